// What a workspace is now: one consistent read through the lifecycle machine and the status DevPod sees
// (`status`, `describe`, and start's first look), and the allocation `command` execs into.
import { busySince, busyTooLong, ON_THE_WAY_UP } from '../machines/busy.js';
import { statusOf, type WorkspaceStatus } from '../machines/status.js';
import type { WorkspaceStateValue } from '../machines/workspace.js';
import { WorkspaceError } from './errors.js';
import { follow, lifecycle, seconds } from './follow.js';
import { foreignReason } from './ownership.js';
import type { Workspace } from './types.js';

export interface WorkspaceReport {
  status: WorkspaceStatus;
  state: WorkspaceStateValue;
  jobId: string;
  reason?: string;
  allocId?: string;
  node?: string;
  restarts?: number;
  /** On its way up (Busy) for longer than NOMAD_TIMEOUT: `status` then says Stopped, with this as the reason. */
  overdue?: boolean;
}

const SETTLED: WorkspaceStateValue[] = ['pending', 'scheduled', 'restarting', 'running', 'stopping', 'stopped', 'failed', 'notFound', 'unreachable'];

/** One consistent read through the lifecycle machine (hydrate only, no stream), and the status it maps to. */
export async function observe(ws: Workspace): Promise<WorkspaceReport> {
  const { watchWorkspace, waitUntil } = await lifecycle();
  const actor = watchWorkspace(ws.nomad, { jobId: ws.jobId }, { ...ws.actorOptions, follow: false });
  try {
    const { state, observation: obs } = await waitUntil(actor, SETTLED, 60_000, { failOn: [] });
    if (state === 'unreachable') throw new WorkspaceError(actor.getSnapshot().context.error ?? 'Nomad could not be read');
    const job = actor.getSnapshot().context.view.job;
    const foreign = job && foreignReason(ws, job);
    // Not ours: DevPod should see no workspace (and its create will refuse to take the job over, saying why).
    if (foreign) return { status: 'NotFound', state: 'notFound', jobId: ws.jobId, reason: `${foreign}; it is not this workspace` };
    const report: WorkspaceReport = {
      status: statusOf(state),
      state,
      jobId: ws.jobId,
      reason: obs.reason,
      allocId: obs.allocId,
      node: obs.nodeName,
      restarts: obs.restarts,
    };
    const since = busySince(actor.getSnapshot().context.view);
    if (!busyTooLong(state, since, Date.now(), ws.config.timeoutMs)) return report;
    const why = `${state} for longer than NOMAD_TIMEOUT (${seconds(ws.config.timeoutMs)}), since ${new Date(since!).toISOString()}`;
    return { ...report, status: 'Stopped', overdue: true, reason: obs.reason ? `${why}: ${obs.reason}` : why };
  } finally {
    actor.stop();
  }
}

/** The allocation to exec into: waits while the workspace is on its way up, fails if it is not coming. */
export async function runningAllocation(ws: Workspace): Promise<string> {
  // Fast path, one request (DevPod calls `command` many times): an allocation Nomad wants running whose tasks all run.
  const allocs = (await ws.nomad.jobs.allocations(ws.jobId)).data ?? [];
  const live = allocs.find(
    (a) => a.DesiredStatus === 'run' && a.ClientStatus === 'running' && Object.values(a.TaskStates ?? {}).every((t) => t.State === 'running'),
  );
  if (live) return live.ID;
  let report = await observe(ws);
  if (report.state !== 'running') {
    if (report.overdue || !ON_THE_WAY_UP.includes(report.state)) {
      throw new WorkspaceError(`workspace ${ws.jobId} is ${report.state}${report.reason ? ` (${report.reason})` : ''}; start it first (devpod up).`);
    }
    await follow(ws, 'running');
    report = await observe(ws);
  }
  if (!report.allocId) throw new WorkspaceError(`workspace ${ws.jobId} is running but Nomad reported no allocation`);
  return report.allocId;
}
