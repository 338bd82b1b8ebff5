// Following a workspace on the lifecycle machine until it reaches a state: what every operation waits with
// (operations.ts, observe.ts). The machine, its waits and xstate are loaded on first use only.
import type { Observation } from '../machines/phase.js';
import type { WaitError } from '../machines/wait.js';
import type { WorkspaceStateValue } from '../machines/workspace.js';
import type { Workspace } from './types.js';

function describeState(state: WorkspaceStateValue, obs: Observation): string {
  if (state === 'running') return `running on node ${obs.nodeName ?? '?'}`;
  return obs.reason ? `${state}: ${obs.reason}` : state;
}

/**
 * The lifecycle machine and its waits, loaded on first use: `command`'s fast path (DevPod calls it many times per
 * `devpod up`) finds a running allocation with one read and never needs them, nor xstate's start-up.
 */
export const lifecycle = async () => {
  const [{ watchWorkspace }, { waitUntil, WaitError }] = await Promise.all([import('./lifecycle/nomad-actors.js'), import('../machines/wait.js')]);
  return { watchWorkspace, waitUntil, WaitError };
};

/**
 * The failed wait `err` is, or undefined. Its class comes with the lifecycle, which the wait that threw it has
 * loaded already.
 */
export async function waitFailure(err: unknown): Promise<WaitError | undefined> {
  const { WaitError } = await lifecycle();
  return err instanceof WaitError ? err : undefined;
}

/** Follows the job until it is in `target`, logging each change; fails fast with the reason. */
export async function follow(ws: Workspace, target: WorkspaceStateValue, failOn?: WorkspaceStateValue[], timeoutMs = ws.config.timeoutMs) {
  const { watchWorkspace, waitUntil } = await lifecycle();
  const actor = watchWorkspace(ws.nomad, { jobId: ws.jobId }, ws.actorOptions);
  try {
    return await waitUntil(actor, target, timeoutMs, {
      failOn,
      onChange: (state, obs) => {
        if (state !== 'hydrating') ws.log(`${ws.jobId}: ${describeState(state, obs)}`);
      },
    });
  } finally {
    actor.stop();
  }
}

export const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * How long a stop that is not the point of the command is waited for: the task's kill timeout (10 s) and some. A task
 * stuck in a prestart hook (an artifact download that hangs) can take far longer to end; then we go on without it.
 */
export const stopWaitMs = (ws: Workspace) => Math.min(ws.config.timeoutMs, 30_000);
