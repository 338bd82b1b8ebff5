// waitUntil: resolves the moment the workspace machine reaches the target, fails fast with the reason when it
// reaches a state the target cannot follow from, and on timeout names the last state seen.
import type { SnapshotFrom } from 'xstate';
import type { Observation } from './phase.js';
import { leafState, type WorkspaceActor, type WorkspaceStateValue, type workspaceMachine } from './workspace.js';

type Snap = SnapshotFrom<typeof workspaceMachine>;

export class WaitError extends Error {
  constructor(
    message: string,
    readonly state: WorkspaceStateValue,
    readonly observation: Observation,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'WaitError';
  }
}

export interface WaitResult {
  state: WorkspaceStateValue;
  observation: Observation;
}

const DEFAULT_FAIL_ON: WorkspaceStateValue[] = ['failed', 'notFound', 'stopped', 'unreachable'];

function describe(snap: Snap): string {
  const state = leafState(snap.value);
  const c = snap.context;
  const why = state === 'unreachable' ? c.error : c.observation.reason;
  const stream =
    c.stream.state === 'down' ? `; Nomad event stream down since ${new Date(c.stream.since ?? 0).toISOString()} (${c.stream.error})` : '';
  return `${state}${why ? ` (${why})` : ''}${stream}`;
}

/**
 * Waits until the workspace is in one of `target`. States in `failOn` (by default failed, notFound, stopped and
 * unreachable, less the targets) end the wait at once with their reason.
 */
export function waitUntil(
  actor: WorkspaceActor,
  target: WorkspaceStateValue | WorkspaceStateValue[],
  timeoutMs: number,
  opts: { failOn?: WorkspaceStateValue[]; onChange?: (state: WorkspaceStateValue, observation: Observation) => void } = {},
): Promise<WaitResult> {
  const targets = Array.isArray(target) ? target : [target];
  const failOn = (opts.failOn ?? DEFAULT_FAIL_ON).filter((s) => !targets.includes(s));
  return new Promise((resolve, reject) => {
    let last: WorkspaceStateValue | undefined;
    let lastReason: string | undefined;
    let sub: { unsubscribe(): void } | undefined;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub?.unsubscribe();
      fn();
    };
    const check = (snap: Snap) => {
      const state = leafState(snap.value);
      const obs = snap.context.observation;
      if (state !== last || obs.reason !== lastReason) {
        last = state;
        lastReason = obs.reason;
        opts.onChange?.(state, obs);
      }
      if (targets.includes(state)) finish(() => resolve({ state, observation: obs }));
      else if (failOn.includes(state)) {
        finish(() =>
          reject(
            new WaitError(`workspace ${snap.context.jobId} is ${describe(snap)}, so it cannot become ${targets.join(' or ')}`, state, obs, false),
          ),
        );
      }
    };
    const timer = setTimeout(() => {
      const snap = actor.getSnapshot();
      finish(() =>
        reject(
          new WaitError(
            `timed out after ${Math.round(timeoutMs / 1000)} s waiting for workspace ${snap.context.jobId} to be ${targets.join(' or ')}; last state: ${describe(snap)}`,
            leafState(snap.value),
            snap.context.observation,
            true,
          ),
        ),
      );
    }, timeoutMs);
    sub = actor.subscribe(check);
    check(actor.getSnapshot());
    if (done) sub.unsubscribe();
  });
}
