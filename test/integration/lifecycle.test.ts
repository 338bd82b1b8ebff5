// The workspace machine against the shared real Nomad agent: every transition here is driven by Nomad's event
// stream, from jobs that really run, crash, or cannot be placed.
import { afterEach, describe, expect, it } from 'vitest';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { watchWorkspace } from '../../src/workspace/lifecycle/nomad-actors.js';
import { statusOf, type WorkspaceStatus } from '../../src/machines/status.js';
import { WaitError, waitUntil } from '../../src/machines/wait.js';
import { leafState, type WorkspaceActor, type WorkspaceStateValue } from '../../src/machines/workspace.js';
import { clientFor, sharedClient, testJob, uniqueId } from '../helpers/jobs.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { inject } from 'vitest';

const nomad = sharedClient();
const actors: WorkspaceActor[] = [];
const jobs: string[] = [];

afterEach(async () => {
  for (const a of actors.splice(0)) a.stop();
  for (const id of jobs.splice(0)) await nomad.jobs.purge(id).catch(() => undefined);
});

/** Watches a job and records every state it passes through. */
function watch(id: string, client: NomadClient = nomad, opts = {}) {
  const states: WorkspaceStateValue[] = [];
  const actor = watchWorkspace(client, { jobId: id }, { backoff: { initialMs: 50, maxMs: 500 }, ...opts });
  const record = (value: unknown) => {
    const st = leafState(value);
    if (states.at(-1) !== st) states.push(st);
  };
  record(actor.getSnapshot().value);
  actor.subscribe((s) => record(s.value));
  actors.push(actor);
  return { actor, states, statuses: () => dedupe(states.map(statusOf)) };
}

const dedupe = (xs: WorkspaceStatus[]) => xs.filter((x, i) => xs[i - 1] !== x);
const untilLive = (actor: WorkspaceActor) =>
  new Promise<void>((r) => {
    const check = () => actor.getSnapshot().context.stream.state === 'live' && r();
    actor.subscribe(check);
    check();
  });

describe('workspace lifecycle on a real Nomad agent', () => {
  it('reports Busy then Running as the job starts, Stopped after stop, NotFound after purge', async () => {
    const id = uniqueId('life');
    jobs.push(id);
    const { actor, states, statuses } = watch(id);
    await waitUntil(actor, 'notFound', 10_000);
    await untilLive(actor);

    await nomad.jobs.register(testJob(id));
    await waitUntil(actor, 'running', 30_000, { failOn: ['failed', 'unreachable'] });
    await nomad.jobs.stop(id);
    await waitUntil(actor, 'stopped', 30_000, { failOn: ['failed', 'unreachable'] });
    await nomad.jobs.purge(id);
    await waitUntil(actor, 'notFound', 30_000, { failOn: ['unreachable'] });

    expect(statuses()).toEqual(['Busy', 'NotFound', 'Busy', 'Running', 'Busy', 'Stopped', 'NotFound']);
    expect(states).toContain('pending');
    expect(states.indexOf('running')).toBeGreaterThan(states.indexOf('pending'));
    expect(states.slice(states.indexOf('running'))).toEqual(['running', 'stopping', 'stopped', 'notFound']);
  });

  it('starts a stopped job again and follows it back to running', async () => {
    const id = uniqueId('restart');
    jobs.push(id);
    await nomad.jobs.register(testJob(id));
    const { actor } = watch(id);
    await waitUntil(actor, 'running', 30_000);
    await nomad.jobs.stop(id);
    await waitUntil(actor, 'stopped', 30_000);
    const job = (await nomad.jobs.read(id)).data!;
    await nomad.jobs.register({ ...job, Stop: false });
    const { state } = await waitUntil(actor, 'running', 30_000, { failOn: ['failed', 'notFound', 'unreachable'] });
    expect(state).toBe('running');
  });

  it('reports a task that exits 1 repeatedly as a crash loop with its restart count, never Running', async () => {
    const id = uniqueId('crash');
    jobs.push(id);
    const { actor, states } = watch(id);
    await waitUntil(actor, 'notFound', 10_000);
    await nomad.jobs.register(testJob(id, { command: '/bin/sh', args: ['-c', 'exit 1'], restart: { attempts: 20, delayMs: 1_000, mode: 'delay' } }));

    const { state, observation } = await waitUntil(actor, 'failed', 60_000, { failOn: ['unreachable'] });
    expect(state).toBe('failed');
    expect(observation.reason).toMatch(/crash loop: task "workspace": .*[Ee]xit [Cc]ode: 1.*; restarted [3-9] times/);
    expect(observation.restarts).toBeGreaterThanOrEqual(3);
    expect(states).toContain('restarting');
    // Nomad 1.6 may report the first start as running before the task's exit arrives (1.11 sends both in one
    // batch): a first start counts as running at once, but once the task has failed and restarted it never does.
    expect(states.slice(states.indexOf('restarting'))).not.toContain('running');
    expect(statusOf('failed')).toBe('Stopped');
  });

  it('fails fast with the reason when the job needs more memory than any node has', async () => {
    const id = uniqueId('nomem');
    jobs.push(id);
    await nomad.jobs.register(testJob(id, { memoryMB: 50_000_000 }));
    const { actor } = watch(id);
    const err = (await waitUntil(actor, 'running', 30_000).catch((e: unknown) => e)) as WaitError;
    expect(err).toBeInstanceOf(WaitError);
    expect(err.timedOut).toBe(false);
    expect(err.state).toBe('failed');
    expect(err.message).toMatch(/task group "workspace" cannot be placed: 1 node without enough memory/);
  });

  it('fails fast with the reason when no node has the task driver', async () => {
    const id = uniqueId('nodriver');
    jobs.push(id);
    const { actor } = watch(id);
    await waitUntil(actor, 'notFound', 10_000);
    await nomad.jobs.register(testJob(id, { driver: 'docker' }));
    const err = (await waitUntil(actor, 'running', 30_000, { failOn: ['failed', 'unreachable'] }).catch((e: unknown) => e)) as WaitError;
    expect(err).toBeInstanceOf(WaitError);
    expect(err.state).toBe('failed');
    expect(err.message).toMatch(/cannot be placed: no node has the docker driver \(1 node checked\)/);
  });

  it('completes a wait across a dropped event-stream connection, catching up on what happened meanwhile', async () => {
    const proxy = await startTcpProxy(inject('nomadAddr'));
    try {
      const viaProxy = clientFor(proxy.address);
      const id = uniqueId('drop');
      jobs.push(id);
      const { actor } = watch(id, viaProxy);
      await waitUntil(actor, 'notFound', 10_000);
      await untilLive(actor);

      proxy.drop({ refuse: true });
      await nomad.jobs.register(testJob(id));
      await new Promise((r) => setTimeout(r, 1_500)); // the job starts while the watcher is cut off
      proxy.resume();

      await waitUntil(actor, 'running', 30_000, { failOn: ['failed', 'unreachable'] });
      expect(actor.getSnapshot().context.stream.reconnects).toBeGreaterThanOrEqual(1);
      expect(actor.getSnapshot().context.stream.state).toBe('live');
    } finally {
      await proxy.close();
    }
  });
});
