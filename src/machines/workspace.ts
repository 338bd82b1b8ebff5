// The lifecycle of one workspace job, as an xstate v5 machine. Pure: the two effects it needs — reading current
// state once, and following Nomad's event stream — are named actors that callers provide
// (src/workspace/lifecycle/nomad-actors.ts) and tests replace. Every state but `running` says why it is not running.
//
//   hydrating ──► observing.{pending → scheduled → running → stopping → stopped | restarting | failed | notFound}
//        └──────► unreachable
//
// Inside `observing`, each Nomad fact updates the view (facts.ts) and passes through `route`, which moves to the
// state the derived phase (phase.ts) names. Facts merge by ModifyIndex, so replays and overlaps change nothing.
import { assign, fromCallback, fromPromise, setup, type ActorRefFrom } from 'xstate';
import type { StreamFrame } from '../adapters/nomad/types.js';
import { applyEvent, applySnapshot, emptyView, type Snapshot, type WorkspaceFacts } from './facts.js';
import { derive, type Observation, type Phase } from './phase.js';

export interface WorkspaceInput {
  jobId: string;
  /** A restarted task counts as running again after this long up (default 10 s, like min_healthy_time). */
  stableMs?: number;
  /** Restarts after failures that make a crash loop (default 3). */
  crashLoopRestarts?: number;
  /** Clock; tests pass a fake one. */
  now?: () => number;
}

export interface StreamHealth {
  state: 'connecting' | 'live' | 'down';
  /** Why it is down, and since when (ms, from `now`). */
  error?: string;
  since?: number;
  reconnects: number;
}

export interface WorkspaceContext {
  jobId: string;
  view: WorkspaceFacts;
  observation: Observation;
  /** Highest Raft index applied; the stream resumes after it. */
  lastIndex: number;
  /** Index of the newest snapshot: every fact at or below it is in the view already. */
  snapshotIndex: number;
  stableMs: number;
  crashLoopRestarts: number;
  now: () => number;
  stream: StreamHealth;
  /** Why Nomad could not be read at all (unreachable state). */
  error?: string;
}

export type WorkspaceEvent =
  | { type: 'nomad.frame'; frame: StreamFrame }
  | { type: 'nomad.snapshot'; snapshot: Snapshot }
  | { type: 'stream.live' }
  | { type: 'stream.down'; error: string }
  | { type: 'stream.failed'; error: string };

export interface FollowInput {
  jobId: string;
  fromIndex: number;
}

const observe = (c: Pick<WorkspaceContext, 'view' | 'now' | 'stableMs' | 'crashLoopRestarts'>, view: WorkspaceFacts): Observation =>
  derive(view, { now: c.now(), stableMs: c.stableMs, crashLoopRestarts: c.crashLoopRestarts });

const phaseRoute = (phase: Phase) => ({ guard: { type: 'phaseIs' as const, params: { phase } }, target: phase });

export const workspaceMachine = setup({
  types: {
    context: {} as WorkspaceContext,
    input: {} as WorkspaceInput,
    events: {} as WorkspaceEvent,
  },
  actors: {
    // Placeholders: the real ones come from nomadActors(client) via machine.provide().
    loadSnapshot: fromPromise<Snapshot, { jobId: string }>(async () => {
      throw new Error('loadSnapshot actor not provided');
    }),
    followEvents: fromCallback<WorkspaceEvent, FollowInput>(() => () => undefined),
  },
  guards: {
    phaseIs: ({ context }, params: { phase: Phase }) => context.observation.phase === params.phase,
  },
  actions: {
    hydrate: assign(({ context }, snapshot: Snapshot) => {
      const view = applySnapshot(context.view, snapshot);
      return {
        view,
        observation: observe(context, view),
        lastIndex: Math.max(context.lastIndex, snapshot.index),
        snapshotIndex: Math.max(context.snapshotIndex, snapshot.index),
      };
    }),
    applyFrame: assign(({ context }, frame: StreamFrame) => {
      // A frame at or below the snapshot's index is in the snapshot already, and can carry an object older than the
      // snapshot's (whose index is the lowest of its reads): dropped. A frame at the index of the last frame applied
      // is the rest of that apply (Nomad writes a registration's job and evaluation as two lines of one index): kept.
      if (frame.Index <= context.snapshotIndex || frame.Index < context.lastIndex) return {};
      let view = context.view;
      for (const ev of frame.Events) view = applyEvent(view, ev);
      return { view, observation: observe(context, view), lastIndex: frame.Index };
    }),
    rederive: assign(({ context }) => ({ observation: observe(context, context.view) })),
    streamLive: assign(({ context }) => ({ stream: { ...context.stream, state: 'live' as const, error: undefined, since: context.now() } })),
    streamDown: assign(({ context }, error: string) => ({
      stream: {
        state: 'down' as const,
        error,
        since: context.stream.state === 'down' ? context.stream.since : context.now(),
        reconnects: context.stream.reconnects + 1,
      },
    })),
    recordError: assign((_, error: string) => ({ error })),
  },
  delays: {
    stable: ({ context }) => context.stableMs,
  },
}).createMachine({
  id: 'workspace',
  context: ({ input }) => ({
    jobId: input.jobId,
    view: emptyView(input.jobId),
    observation: { phase: 'pending', reason: 'state not read yet' },
    lastIndex: 0,
    snapshotIndex: 0,
    stableMs: input.stableMs ?? 10_000,
    crashLoopRestarts: input.crashLoopRestarts ?? 3,
    now: input.now ?? Date.now,
    stream: { state: 'connecting', reconnects: 0 },
  }),
  initial: 'hydrating',
  states: {
    hydrating: {
      invoke: {
        src: 'loadSnapshot',
        input: ({ context }) => ({ jobId: context.jobId }),
        onDone: { target: 'observing', actions: { type: 'hydrate', params: ({ event }) => event.output } },
        onError: {
          target: 'unreachable',
          actions: { type: 'recordError', params: ({ event }) => String((event.error as Error)?.message ?? event.error) },
        },
      },
    },
    observing: {
      invoke: {
        src: 'followEvents',
        id: 'stream',
        input: ({ context }) => ({ jobId: context.jobId, fromIndex: context.lastIndex + 1 }),
      },
      on: {
        'nomad.frame': { target: '.route', actions: { type: 'applyFrame', params: ({ event }) => event.frame } },
        'nomad.snapshot': { target: '.route', actions: { type: 'hydrate', params: ({ event }) => event.snapshot } },
        'stream.live': { actions: 'streamLive' },
        'stream.down': { actions: { type: 'streamDown', params: ({ event }) => event.error } },
        'stream.failed': { target: 'unreachable', actions: { type: 'recordError', params: ({ event }) => event.error } },
      },
      initial: 'route',
      states: {
        route: {
          always: [
            phaseRoute('notFound'),
            phaseRoute('pending'),
            phaseRoute('scheduled'),
            phaseRoute('restarting'),
            phaseRoute('running'),
            phaseRoute('stopping'),
            phaseRoute('stopped'),
            phaseRoute('failed'),
          ],
        },
        pending: {},
        scheduled: {},
        // Re-derive once the restarted task has been up for `stable`: then it is running again (or still flapping).
        restarting: { after: { stable: { target: 'route', actions: 'rederive' } } },
        running: {},
        stopping: {},
        stopped: {},
        failed: {},
        notFound: {},
      },
    },
    unreachable: {},
  },
});

/** A running workspace machine (with its Nomad actors provided or replaced). */
export type WorkspaceActor = ActorRefFrom<typeof workspaceMachine>;

export type WorkspaceStateValue = 'hydrating' | 'unreachable' | Phase;

/** The leaf state of a snapshot, flattened: `observing.running` → `running`. */
export function leafState(value: unknown): WorkspaceStateValue {
  if (typeof value === 'string') return value as WorkspaceStateValue;
  const inner = (value as { observing?: string }).observing;
  return (inner === 'route' || inner === undefined ? 'hydrating' : inner) as WorkspaceStateValue;
}
