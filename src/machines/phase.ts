// The phase one workspace job is in, derived from its facts (facts.ts): the job, its newest allocation that Nomad
// wants running, and its evaluations. derive() decides at the job and allocation level; how that allocation's tasks
// are doing is read by phase-tasks.ts. Pure and defined for every combination of facts: the machine (workspace.ts)
// re-derives after each fact, and test/unit/status-table.test.ts checks it against docs/architecture.md's table.
import { isTerminalClientStatus, jobDrivers, type Allocation } from '../adapters/nomad/types.js';
import { workspaceMeta } from '../adapters/nomad/workspace-meta.js';
import type { WorkspaceFacts } from './facts.js';
import { describePlacementFailure } from './placement.js';
import { deriveTasks, taskReason } from './phase-tasks.js';
import type { DeriveOptions, Observation } from './phase-types.js';

export type { DeriveOptions, Observation, Phase } from './phase-types.js';

const byCreate = <T extends { CreateIndex: number }>(xs: T[]) => [...xs].sort((a, b) => b.CreateIndex - a.CreateIndex);

/**
 * While a replacement is on its way up, say what it replaces and why: a workspace moved off a lost or drained node
 * has lost what was only in its container, and the user should hear it was moved rather than see a plain restart.
 */
function withReplaced(view: WorkspaceFacts, current: Allocation, obs: Observation): Observation {
  // Full allocations (stream events) name their predecessor; list stubs (snapshots) only name the successor.
  const previous =
    (current.PreviousAllocation ? view.allocs[current.PreviousAllocation] : undefined) ??
    Object.values(view.allocs).find((a) => a.NextAllocation === current.ID);
  if (!previous || obs.phase === 'running') return obs;
  const why =
    previous.ClientStatus === 'lost'
      ? `lost with node ${previous.NodeName ?? '?'} (${previous.DesiredDescription || 'its node is down'})`
      : previous.DesiredDescription
        ? `${previous.DesiredDescription} on node ${previous.NodeName ?? '?'}`
        : `${previous.ClientStatus} on node ${previous.NodeName ?? '?'}`;
  return { ...obs, reason: `${obs.reason ?? obs.phase}; replacing allocation ${previous.ID.slice(0, 8)}, ${why}` };
}

/**
 * Evaluations Nomad makes after a failure that place nothing for a workspace (no reschedules, no deployments to
 * progress): once complete, they must not read as "a placement is coming", or a failed workspace looks Busy forever.
 */
const NON_PLACING = new Set(['deployment-watcher', 'alloc-failure']);

/** The workspace's phase from everything known about its job. Defined for every combination of facts. */
export function derive(view: WorkspaceFacts, o: DeriveOptions): Observation {
  const job = view.job;
  if (job === undefined) return { phase: 'pending', reason: 'state not read yet' };
  if (job === null) return { phase: 'notFound', reason: `Nomad has no job "${view.jobId}"` };
  // A job purged and registered again under the same ID is a new instance (a new CreateIndex): Nomad before 1.7
  // still lists the purged instance's allocations and evaluations under the ID, and they say nothing about this one.
  const thisInstance = <T extends { CreateIndex: number }>(x: T) => x.CreateIndex >= (job.CreateIndex ?? 0);
  const allocs = byCreate(Object.values(view.allocs).filter(thisInstance));
  const live = allocs.filter((a) => !isTerminalClientStatus(a.ClientStatus));

  if (job.Stop) {
    const draining = live.find((a) => a.ClientStatus === 'running' || a.ClientStatus === 'pending');
    const cause = workspaceMeta(job, 'stopReason');
    const stopped = cause ? `job stopped after: ${cause}` : 'job stopped';
    return draining
      ? {
          phase: 'stopping',
          reason: `${stopped}; allocation ${draining.ID.slice(0, 8)} is shutting down`,
          allocId: draining.ID,
          nodeName: draining.NodeName,
        }
      : { phase: 'stopped', reason: stopped };
  }

  const wanted = allocs.filter((a) => a.DesiredStatus === 'run');
  const current = wanted.find((a) => !isTerminalClientStatus(a.ClientStatus)) ?? wanted[0];
  const evals = byCreate(
    Object.values(view.evals)
      .filter(thisInstance)
      .filter((e) => e.Status !== 'blocked' && !(e.Status === 'complete' && NON_PLACING.has(e.TriggeredBy ?? ''))),
  );
  const latestEval = evals[0];

  if (current && !isTerminalClientStatus(current.ClientStatus)) {
    if (current.ClientStatus === 'unknown')
      return {
        phase: 'restarting',
        reason: `node ${current.NodeName ?? '?'} of allocation ${current.ID.slice(0, 8)} is disconnected`,
        allocId: current.ID,
        nodeName: current.NodeName,
      };
    return withReplaced(view, current, deriveTasks(current, o));
  }
  // Nothing is running or about to run for this job version.
  if (latestEval && latestEval.Status === 'failed')
    return { phase: 'failed', reason: `evaluation failed: ${latestEval.StatusDescription ?? 'unknown reason'}` };
  const placement = latestEval ? describePlacementFailure(latestEval.FailedTGAllocs, { drivers: jobDrivers(job) }) : undefined;
  const newestAllocIndex = current?.CreateIndex ?? 0;
  if (placement && latestEval!.CreateIndex >= newestAllocIndex) return { phase: 'failed', reason: placement };
  if (latestEval && (latestEval.Status === 'pending' || latestEval.CreateIndex > newestAllocIndex)) {
    return { phase: 'pending', reason: `evaluation ${latestEval.ID.slice(0, 8)} ${latestEval.Status}` };
  }
  if (current) {
    const base = { allocId: current.ID, nodeName: current.NodeName };
    if (current.ClientStatus === 'lost')
      return { ...base, phase: 'failed', reason: `allocation ${current.ID.slice(0, 8)} lost: ${current.ClientDescription || 'its node went down'}` };
    if (current.ClientStatus === 'failed') {
      const failedTask = Object.entries(current.TaskStates ?? {}).find(([, t]) => t.Failed);
      return {
        ...base,
        phase: 'failed',
        reason: failedTask ? taskReason(failedTask[0], failedTask[1]) : `allocation failed: ${current.ClientDescription ?? ''}`,
      };
    }
    return { ...base, phase: 'stopped', reason: `allocation ${current.ID.slice(0, 8)} ${current.ClientStatus}` };
  }
  if (job.Status === 'dead') return { phase: 'stopped', reason: 'job is dead' };
  return { phase: 'pending', reason: 'waiting for the scheduler to place the job' };
}
