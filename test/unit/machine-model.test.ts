// Model-based: @xstate/graph explores the machine with canonical Nomad facts and finds a shortest path to every
// state; each path is then replayed on a live actor. The same facts are produced for real, by real jobs, in
// test/integration/lifecycle.test.ts (start, crash loop, placement failure, stop, purge, dropped stream).
import { getShortestPaths } from '@xstate/graph';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise } from 'xstate';
import { edgesOf, machineGraph, toMermaid } from '../../src/machines/diagram.js';
import type { Snapshot } from '../../src/machines/facts.js';
import { leafState, workspaceMachine, type WorkspaceEvent } from '../../src/machines/workspace.js';
import { NOW, alloc, allocEvent, evalEvent, evaluation, frame, job, jobEvent } from '../helpers/facts.js';

const SNAPSHOT: Snapshot = { job: job(), allocs: [], evals: [], index: 20 };
const model = workspaceMachine.provide({
  actors: {
    loadSnapshot: fromPromise(async () => SNAPSHOT),
    followEvents: fromCallback(() => () => undefined),
  },
});

type AnyEvent = WorkspaceEvent | { type: string; [k: string]: unknown };
const EVENTS: AnyEvent[] = [
  { type: 'xstate.done.actor.0.workspace.hydrating', output: SNAPSHOT },
  { type: 'xstate.error.actor.0.workspace.hydrating', error: new Error('ECONNREFUSED') },
  { type: 'nomad.frame', frame: frame(21, [allocEvent(alloc('pending', 'run', 'pending', { id: 'a', modifyIndex: 21 }))]) },
  { type: 'nomad.frame', frame: frame(22, [allocEvent(alloc('running', 'run', 'running', { id: 'a', modifyIndex: 22 }))]) },
  { type: 'nomad.frame', frame: frame(23, [allocEvent(alloc('running', 'run', 'flapping', { id: 'a', modifyIndex: 23 }))]) },
  { type: 'nomad.frame', frame: frame(24, [allocEvent(alloc('pending', 'run', 'crashloop', { id: 'a', modifyIndex: 24 }))]) },
  { type: 'nomad.frame', frame: frame(25, [jobEvent(job({ stop: true, modifyIndex: 25 }), 'JobDeregistered')]) },
  { type: 'nomad.frame', frame: frame(26, [allocEvent(alloc('complete', 'stop', 'done', { id: 'a', modifyIndex: 26 }))]) },
  { type: 'nomad.frame', frame: frame(28, [jobEvent(job({ stop: true, modifyIndex: 25 }), 'JobDeregistered', 28)]) },
  { type: 'nomad.frame', frame: frame(29, [evalEvent(evaluation({ failedMemory: true, createIndex: 29 }))]) },
  { type: 'stream.failed', error: 'Permission denied' },
];

describe('the machine as a model', () => {
  const paths = getShortestPaths(model, {
    input: { jobId: 'ws', now: () => NOW },
    events: EVENTS as never,
    serializeState: (s: unknown) =>
      leafState((s as { value: unknown }).value) + JSON.stringify((s as { context: { lastIndex: number } }).context.lastIndex),
    limit: 5_000,
  } as never);
  const reached = new Map<string, AnyEvent[]>();
  for (const p of paths) {
    const state = leafState((p.state as { value: unknown }).value);
    const events = p.steps.map((s: { event: unknown }) => s.event as AnyEvent).filter((e) => e.type !== 'xstate.init');
    if (!reached.has(state) || reached.get(state)!.length > events.length) reached.set(state, events);
  }

  it('has a path to every state (transient route aside)', () => {
    const leaves = machineGraph()
      .states.filter((s) => !s.transient && !machineGraph().states.some((c) => c.parent === s.id))
      .map((s) => s.id);
    expect([...reached.keys()].sort()).toEqual(expect.arrayContaining(leaves.sort()));
  });

  it.each([...new Set(['pending', 'scheduled', 'running', 'restarting', 'stopping', 'stopped', 'failed', 'notFound'])])(
    'replays the shortest path to %s on a live actor',
    async (target) => {
      const events = reached.get(target)!;
      let send: ((e: WorkspaceEvent) => void) | undefined;
      const actor = createActor(
        workspaceMachine.provide({
          actors: {
            loadSnapshot: fromPromise(async () => SNAPSHOT),
            followEvents: fromCallback(({ sendBack }) => {
              send = sendBack;
              return () => undefined;
            }),
          },
        }),
        { input: { jobId: 'ws', now: () => NOW } },
      ).start();
      await new Promise((r) => setTimeout(r, 0));
      for (const e of events.filter((x) => x.type.startsWith('nomad.') || x.type.startsWith('stream.'))) send!(e as WorkspaceEvent);
      expect(leafState(actor.getSnapshot().value)).toBe(target);
      actor.stop();
    },
  );
});

describe('the generated diagram', () => {
  it('is current in docs/architecture.md (run npm run diagram after changing the machine)', () => {
    const page = readFileSync(resolve(import.meta.dirname, '..', '..', 'docs', 'architecture.md'), 'utf8');
    expect(page).toContain(`\`\`\`mermaid\n${toMermaid(machineGraph())}\`\`\``);
  });

  it('maps an observed step through the transient route onto both edges', () => {
    expect(edgesOf(machineGraph(), 'running', 'nomad.frame', 'stopping')).toEqual(['observing|nomad.frame|route', 'route|phase = stopping|stopping']);
    expect(edgesOf(machineGraph(), 'hydrating', 'xstate.done.actor.0.workspace.hydrating', 'pending')).toEqual(['hydrating|state read|observing']);
  });
});
