// The lifecycle machine driven by events alone: Nomad's I/O is replaced through machine.provide(), time by a fake
// clock and vitest's fake timers. Together these tests must reach every state of the machine.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromCallback, fromPromise, type AnyStateNode } from 'xstate';
import type { StreamFrame } from '../../src/adapters/nomad/types.js';
import { statusOf } from '../../src/machines/status.js';
import type { Snapshot } from '../../src/machines/facts.js';
import { stepInspector } from '../../src/workspace/lifecycle/step-channel.js';
import { waitUntil } from '../../src/machines/wait.js';
import { leafState, workspaceMachine, type WorkspaceEvent, type WorkspaceStateValue } from '../../src/machines/workspace.js';
import { JOB, NOW, alloc, allocEvent, evalEvent, evaluation, frame, job, jobEvent } from '../helpers/facts.js';

const visited = new Set<WorkspaceStateValue>();

function harness(snapshot: Snapshot | Error, clock = { now: NOW }) {
  const feed: { send?: (e: WorkspaceEvent) => void; stopped: boolean } = { stopped: false };
  const machine = workspaceMachine.provide({
    actors: {
      loadSnapshot: fromPromise<Snapshot, { jobId: string }>(async () => {
        if (snapshot instanceof Error) throw snapshot;
        return snapshot;
      }),
      followEvents: fromCallback<WorkspaceEvent, { jobId: string; fromIndex: number }>(({ sendBack }) => {
        feed.send = sendBack;
        return () => {
          feed.stopped = true;
        };
      }),
    },
  });
  const actor = createActor(machine, { input: { jobId: JOB, now: () => clock.now, stableMs: 10_000 }, inspect: stepInspector() });
  const states: WorkspaceStateValue[] = [];
  actor.subscribe((s) => {
    const st = leafState(s.value);
    visited.add(st);
    if (states.at(-1) !== st) states.push(st);
  });
  actor.start();
  visited.add(leafState(actor.getSnapshot().value));
  const push = (f: StreamFrame) => feed.send!({ type: 'nomad.frame', frame: f });
  const state = () => leafState(actor.getSnapshot().value);
  return { actor, feed, push, state, states, clock };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const snap = (s: Partial<Snapshot>): Snapshot => ({ job: job(), allocs: [], evals: [], index: 20, ...s });

afterEach(() => {
  vi.useRealTimers();
});

describe('workspace machine', () => {
  it('hydrates from one read, then follows events from the index after it', async () => {
    let followInput: { fromIndex: number } | undefined;
    const machine = workspaceMachine.provide({
      actors: {
        loadSnapshot: fromPromise(async () => snap({ index: 41 })),
        followEvents: fromCallback(({ input }) => {
          followInput = input as { fromIndex: number };
          return () => undefined;
        }),
      },
    });
    const actor = createActor(machine, { input: { jobId: JOB } }).start();
    expect(leafState(actor.getSnapshot().value)).toBe('hydrating');
    await settle();
    expect(followInput?.fromIndex).toBe(42);
    expect(leafState(actor.getSnapshot().value)).toBe('pending');
    actor.stop();
  });

  it('walks pending → scheduled → running → stopping → stopped → notFound on stream events', async () => {
    const h = harness(snap({}));
    await settle();
    h.push(frame(21, [allocEvent(alloc('pending', 'run', 'none', { id: 'a', modifyIndex: 21 }))]));
    h.push(frame(22, [allocEvent(alloc('pending', 'run', 'pending', { id: 'a', modifyIndex: 22 }))]));
    h.push(frame(23, [allocEvent(alloc('running', 'run', 'running', { id: 'a', modifyIndex: 23 }))]));
    h.push(frame(24, [jobEvent(job({ stop: true, modifyIndex: 24 }), 'JobDeregistered')]));
    h.push(frame(25, [allocEvent(alloc('complete', 'stop', 'done', { id: 'a', modifyIndex: 25 }))]));
    h.push(frame(27, [jobEvent(job({ stop: true, modifyIndex: 24 }), 'JobDeregistered', 27)]));
    expect(h.states).toEqual(['hydrating', 'pending', 'scheduled', 'running', 'stopping', 'stopped', 'notFound']);
    expect(h.states.map(statusOf)).toEqual(['Busy', 'Busy', 'Busy', 'Running', 'Busy', 'Stopped', 'NotFound']);
    h.actor.stop();
    expect(h.feed.stopped).toBe(true);
  });

  it('applies nothing twice: frames at or below the last index are dropped, older object versions ignored', async () => {
    const h = harness(snap({ allocs: [alloc('running', 'run', 'running', { id: 'a', modifyIndex: 19 })] }));
    await settle();
    expect(h.state()).toBe('running');
    h.push(frame(20, [allocEvent(alloc('failed', 'run', 'failed', { id: 'a', modifyIndex: 20 }))])); // index 20 is in the snapshot
    expect(h.state()).toBe('running');
    h.push(frame(30, [allocEvent(alloc('pending', 'run', 'pending', { id: 'a', modifyIndex: 15 }), 30)])); // stale object
    expect(h.state()).toBe('running');
    expect(h.actor.getSnapshot().context.lastIndex).toBe(30);
  });

  it('applies a further line of the last applied index (the rest of one apply), but never one at the snapshot index', async () => {
    const h = harness(snap({ index: 20 }));
    await settle();
    expect(h.state()).toBe('pending');
    h.push(frame(20, [evalEvent(evaluation({ failedMemory: true, createIndex: 20 }))])); // in the snapshot already
    expect(h.state()).toBe('pending');
    h.push(frame(22, [jobEvent(job({ modifyIndex: 22 }), 'JobRegistered', 22)]));
    h.push(frame(22, [evalEvent(evaluation({ failedMemory: true, createIndex: 22 }))])); // same apply, second line
    expect(h.state()).toBe('failed');
    expect(h.actor.getSnapshot().context).toMatchObject({ lastIndex: 22, snapshotIndex: 20 });
    h.push(frame(21, [allocEvent(alloc('running', 'run', 'running', { id: 'a', modifyIndex: 21 }))])); // behind the last
    expect(h.state()).toBe('failed');
  });

  it('counts a restarted task as restarting until it has stayed up for the stable window', async () => {
    vi.useFakeTimers();
    const clock = { now: NOW };
    const h = harness(snap({ allocs: [alloc('running', 'run', 'flapping', { id: 'a' })] }), clock);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('restarting');
    expect(h.actor.getSnapshot().context.observation.reason).toMatch(/restarted 1 time$/);
    clock.now += 10_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.state()).toBe('running');
  });

  it('reports a crash loop as failed with the restart count, and a placement failure with its reason', async () => {
    const h = harness(snap({ allocs: [alloc('pending', 'run', 'crashloop', { id: 'a' })] }));
    await settle();
    expect(h.state()).toBe('failed');
    expect(h.actor.getSnapshot().context.observation).toMatchObject({
      restarts: 3,
      reason: expect.stringMatching(/^crash loop: task "workspace": Exit Code: 1; restarted 3 times/),
    });

    const p = harness(snap({}));
    await settle();
    p.push(frame(22, [evalEvent(evaluation({ failedMemory: true, createIndex: 21 }))]));
    expect(p.state()).toBe('failed');
    expect(p.actor.getSnapshot().context.observation.reason).toContain('1 node without enough memory');
  });

  it('goes to unreachable with the error when the first read fails', async () => {
    const h = harness(new Error('Cannot reach Nomad at http://127.0.0.1:1 (ECONNREFUSED)'));
    await settle();
    expect(h.state()).toBe('unreachable');
    expect(h.actor.getSnapshot().context.error).toContain('ECONNREFUSED');
    expect(statusOf('unreachable')).toBe('NotFound');
  });

  it('records stream outages, merges the re-read after a reconnect, and gives up on a refused stream', async () => {
    const h = harness(snap({ allocs: [alloc('pending', 'run', 'pending', { id: 'a' })] }));
    await settle();
    h.feed.send!({ type: 'stream.live' });
    h.feed.send!({ type: 'stream.down', error: 'Nomad closed the event stream' });
    const ctx = h.actor.getSnapshot().context;
    expect(ctx.stream).toMatchObject({ state: 'down', error: 'Nomad closed the event stream', reconnects: 1, since: NOW });
    h.feed.send!({ type: 'stream.live' });
    h.feed.send!({
      type: 'nomad.snapshot',
      snapshot: snap({ index: 35, allocs: [alloc('running', 'run', 'running', { id: 'a', modifyIndex: 34 })] }),
    });
    expect(h.state()).toBe('running');
    expect(h.actor.getSnapshot().context.stream.state).toBe('live');
    h.feed.send!({ type: 'stream.failed', error: 'Permission denied' });
    expect(h.state()).toBe('unreachable');
  });

  it('resolves waitUntil on the event that reaches the target and fails fast with the reason otherwise', async () => {
    const h = harness(snap({}));
    await settle();
    const running = waitUntil(h.actor, 'running', 5_000);
    h.push(frame(23, [allocEvent(alloc('running', 'run', 'running', { id: 'a', modifyIndex: 23 }))]));
    await expect(running).resolves.toMatchObject({ state: 'running' });

    const stopped = waitUntil(h.actor, 'stopped', 5_000);
    h.push(frame(24, [allocEvent(alloc('failed', 'run', 'failed', { id: 'a', modifyIndex: 24 }))]));
    await expect(stopped).rejects.toThrow(
      /is failed \(task "workspace": Exit Code: 1 \(Exceeded allowed attempts 2 in interval 30m0s\)\), so it cannot become stopped/,
    );
  });

  it('times out naming the last state seen', async () => {
    vi.useFakeTimers();
    const h = harness(snap({ allocs: [alloc('pending', 'run', 'pending', { id: 'a' })] }));
    await vi.advanceTimersByTimeAsync(0);
    const waiting = waitUntil(h.actor, 'running', 30_000).catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(((await waiting) as Error).message).toBe(
      'timed out after 30 s waiting for workspace ws to be running; last state: scheduled (task "workspace" starting on node node-1: Downloading image)',
    );
  });
});

function leaves(node: AnyStateNode): string[] {
  const children = Object.values(node.states);
  if (children.length === 0) return [node.key];
  return children.flatMap(leaves);
}

afterAll(() => {
  // `route` is transient: it is passed through on every fact and never rests in a snapshot.
  const all = leaves(workspaceMachine.root)
    .filter((s) => s !== 'route')
    .sort();
  expect([...visited].sort()).toEqual(all);
});
