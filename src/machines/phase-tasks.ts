// How the tasks of one allocation that Nomad wants running are doing: starting, running, restarting, crash-looping,
// failed (and why, in the task's own events), or refused by the registry. phase.ts's derive() calls it for the
// job's current allocation; the facts it reads are those facts.ts keeps of an allocation (slimAlloc).
import type { Allocation, TaskState } from '../adapters/nomad/types.js';
import type { DeriveOptions, Observation } from './phase-types.js';

function lastEvent(ts: TaskState, types: string[]) {
  const evs = ts.Events ?? [];
  for (let i = evs.length - 1; i >= 0; i--) if (types.includes(evs[i]!.Type)) return evs[i];
  return undefined;
}

export function taskReason(name: string, ts: TaskState): string {
  // The cause, not the consequence: "Not Restarting" / "Killed" follow the failure that matters.
  // A hook that fails its task kills it with a "Killing" event saying why ("Template failed: …", "Vault: failed
  // to derive vault token: …"); a stop's "Killing" never reaches here, as a stopped task is not failed.
  const cause = lastEvent(ts, [
    'Terminated',
    'Driver Failure',
    'Setup Failure',
    'Failed Validation',
    'Task hook failed',
    'Failed Artifact Download',
    'Killing',
  ]);
  const ev = cause ?? lastEvent(ts, ['Not Restarting', 'Killed']);
  const msg = ev?.DisplayMessage || ev?.DriverError || ev?.SetupError || ev?.Message || (ev ? ev.Type : 'no event recorded');
  const after = cause && lastEvent(ts, ['Not Restarting']);
  return `task "${name}": ${msg}${after && ts.State === 'dead' ? ` (${after.DisplayMessage || 'not restarting'})` : ''}`;
}

/**
 * A registry's refusal of the image pull: wrong or missing credentials, no access to the repository, or a certificate
 * the client does not trust. Nomad's docker driver calls every pull error recoverable (drivers/docker/coordinator.go
 * recoverablePullError) and retries it under the restart policy, but these answers do not change by retrying.
 */
const REFUSED_PULL =
  /unauthorized|authentication required|no basic auth credentials|access denied|denied:|x509:|certificate signed by unknown authority|failed to verify certificate/i;

/** The Driver Failure of a pull the registry refused, when that is the task's latest start attempt. */
function refusedPull(ts: TaskState): string | undefined {
  const last = lastEvent(ts, ['Started', 'Driver Failure']);
  const msg = last?.DisplayMessage || last?.DriverError || '';
  return last?.Type === 'Driver Failure' && /pull/i.test(msg) && REFUSED_PULL.test(msg) ? msg : undefined;
}

/** Task-level phase of one allocation that Nomad wants running. */
export function deriveTasks(alloc: Allocation, o: DeriveOptions): Observation {
  const base = { allocId: alloc.ID, nodeName: alloc.NodeName };
  const tasks = Object.entries(alloc.TaskStates ?? {});
  if (tasks.length === 0)
    return { ...base, phase: 'scheduled', reason: `placed on node ${alloc.NodeName ?? alloc.NodeID ?? '?'}, task not started yet` };
  let restarting: Observation | undefined;
  let starting: string | undefined;
  for (const [name, ts] of tasks) {
    if (ts.State === 'dead' && ts.Failed) return { ...base, phase: 'failed', reason: taskReason(name, ts), restarts: ts.Restarts };
    const refused = ts.State !== 'running' ? refusedPull(ts) : undefined;
    if (refused)
      return {
        ...base,
        phase: 'failed',
        reason: `task "${name}": ${refused} (the registry refused the pull; retrying cannot change that)`,
        restarts: ts.Restarts,
      };
    if (ts.Restarts > 0) {
      const started = lastEvent(ts, ['Started']);
      const upFor = ts.State === 'running' && started ? o.now - started.Time / 1e6 : -1;
      const lastExit = lastEvent(ts, ['Terminated']);
      const failedBefore = lastExit !== undefined && (lastExit.ExitCode ?? 0) !== 0;
      if (upFor < o.stableMs && ts.State !== 'dead') {
        const why = `${taskReason(name, ts)}; restarted ${ts.Restarts} time${ts.Restarts === 1 ? '' : 's'}`;
        if (failedBefore && ts.Restarts >= o.crashLoopRestarts)
          return { ...base, phase: 'failed', reason: `crash loop: ${why}`, restarts: ts.Restarts };
        restarting ??= { ...base, phase: 'restarting', reason: why, restarts: ts.Restarts };
        continue;
      }
    }
    if (ts.State === 'pending')
      starting ??= `task "${name}" starting on node ${alloc.NodeName ?? '?'}: ${lastEvent(ts, ['Received', 'Task Setup', 'Driver', 'Downloading Artifacts', 'Building Task Directory', 'Template'])?.DisplayMessage ?? 'pending'}`;
  }
  if (restarting) return restarting;
  if (starting) return { ...base, phase: 'scheduled', reason: starting };
  const live = tasks.filter(([, ts]) => ts.State === 'running');
  if (live.length > 0) return { ...base, phase: 'running', restarts: Math.max(...tasks.map(([, t]) => t.Restarts)) };
  return { ...base, phase: 'stopped', reason: 'every task has exited' };
}
