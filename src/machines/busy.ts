// How long a workspace has been on its way up. DevPod's fork (skevetter/devpod, and Devsy after it) polls `status`
// after create/start and sleeps on Busy with no limit of its own, so Busy must end: after NOMAD_TIMEOUT on the way
// up, `status` says Stopped with the reason, and DevPod's next step (start) gets the chance to fail with it.
import type { WorkspaceFacts } from './facts.js';
import type { WorkspaceStateValue } from './workspace.js';

/**
 * Busy states that only end when Nomad gets on with it: placing the job, starting the task, restarting it, ending
 * it (a task stuck in a prestart hook, such as an artifact download that hangs, outlives its kill timeout). Not
 * `hydrating`: one read, bounded by the caller.
 */
export const BOUNDED_BUSY: readonly WorkspaceStateValue[] = ['pending', 'scheduled', 'restarting', 'stopping'];

/** The Busy states of a workspace on its way up: what create, start and `command` wait through. */
export const ON_THE_WAY_UP: readonly WorkspaceStateValue[] = ['pending', 'scheduled', 'restarting'];

const nsToMs = (ns: unknown): number | undefined => (typeof ns === 'number' && ns > 0 ? Math.floor(ns / 1e6) : undefined);

/**
 * When this instance of the job last changed course (ms since the epoch): the newest of its submission (a register,
 * a stop with its reason), its newest allocation and its newest evaluation (a stop, a replacement after a lost
 * node). Undefined without a job.
 */
export function busySince(view: WorkspaceFacts): number | undefined {
  const job = view.job;
  if (!job) return undefined;
  const mine = <T extends { CreateIndex: number }>(x: T) => x.CreateIndex >= (job.CreateIndex ?? 0);
  const times = [
    nsToMs(job.SubmitTime),
    ...Object.values(view.allocs)
      .filter(mine)
      .map((a) => nsToMs(a.CreateTime)),
    ...Object.values(view.evals)
      .filter(mine)
      .map((e) => nsToMs(e.CreateTime)),
  ].filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : undefined;
}

/** Whether `state` is a Busy that has lasted longer than `timeoutMs` at `now`. */
export function busyTooLong(state: WorkspaceStateValue, since: number | undefined, now: number, timeoutMs: number): boolean {
  return BOUNDED_BUSY.includes(state) && since !== undefined && now - since > timeoutMs;
}
