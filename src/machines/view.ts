// What we know about one workspace job, merged from snapshots and stream events, and the phase it implies.
// Pure functions only: the machine calls them, tests table-drive them.
//
// Every object is kept at its highest ModifyIndex, so applying a fact twice (a replayed frame, a snapshot that
// overlaps the stream) changes nothing: merging is idempotent and order-insensitive per object.
import {
  isTerminalClientStatus, jobDrivers, WORKSPACE_META, type Allocation, type Evaluation, type NomadJob, type StreamEvent, type StreamFrame, type TaskState,
} from '../adapters/nomad/types.js';
import { describePlacementFailure } from './placement.js';

export interface WorkspaceView {
  jobId: string;
  /** undefined: not read yet; null: Nomad has no such job. */
  job: NomadJob | null | undefined;
  /** Raft index of the newest job fact (its ModifyIndex, or the index of its purge). */
  jobIndex: number;
  allocs: Record<string, Allocation>;
  evals: Record<string, Evaluation>;
}

export interface Snapshot {
  job: NomadJob | null;
  allocs: Allocation[];
  evals: Evaluation[];
  /** The lowest X-Nomad-Index of the reads: every fact at or below it is in the snapshot. */
  index: number;
}

export type Phase = 'notFound' | 'pending' | 'scheduled' | 'restarting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface Observation {
  phase: Phase;
  /** Why, for every phase but a healthy running one. */
  reason?: string;
  allocId?: string;
  nodeName?: string;
  restarts?: number;
}

export interface DeriveOptions {
  now: number;
  /** A task restarted after a failure counts as running again only after this long up. */
  stableMs: number;
  /** Restarts after failures at which a task counts as crash-looping. */
  crashLoopRestarts: number;
}

export const emptyView = (jobId: string): WorkspaceView => ({ jobId, job: undefined, jobIndex: 0, allocs: {}, evals: {} });

const newer = <T extends { ModifyIndex: number }>(old: T | undefined, next: T): boolean => !old || next.ModifyIndex >= old.ModifyIndex;

function putJob(view: WorkspaceView, job: NomadJob | null, index: number): WorkspaceView {
  if (index < view.jobIndex) return view;
  return { ...view, job, jobIndex: index };
}

/**
 * The part of an allocation that derive() reads. A stream event carries the whole allocation (resources, networks,
 * metrics, task event details: ~8 KB of heap each); a watcher of 1,000 workspaces keeps only this.
 */
export function slimAlloc(a: Allocation): Allocation {
  const taskStates = a.TaskStates && Object.fromEntries(Object.entries(a.TaskStates).map(([name, t]) => [name, {
    State: t.State,
    Failed: t.Failed,
    Restarts: t.Restarts,
    Events: t.Events?.map((e) => ({
      Type: e.Type, Time: e.Time, DisplayMessage: e.DisplayMessage, Message: e.Message, ExitCode: e.ExitCode, DriverError: e.DriverError, SetupError: e.SetupError,
    })) ?? null,
  }]));
  return {
    ID: a.ID, JobID: a.JobID, NodeID: a.NodeID, NodeName: a.NodeName, ClientStatus: a.ClientStatus, ClientDescription: a.ClientDescription,
    DesiredStatus: a.DesiredStatus, DesiredDescription: a.DesiredDescription, PreviousAllocation: a.PreviousAllocation,
    NextAllocation: a.NextAllocation, TaskStates: taskStates, CreateIndex: a.CreateIndex, ModifyIndex: a.ModifyIndex,
  };
}

function putAlloc(view: WorkspaceView, alloc: Allocation): WorkspaceView {
  if (alloc.JobID !== view.jobId || !newer(view.allocs[alloc.ID], alloc)) return view;
  return { ...view, allocs: { ...view.allocs, [alloc.ID]: slimAlloc(alloc) } };
}

function putEval(view: WorkspaceView, ev: Evaluation): WorkspaceView {
  if (ev.JobID !== view.jobId || !newer(view.evals[ev.ID], ev)) return view;
  return { ...view, evals: { ...view.evals, [ev.ID]: ev } };
}

/** Applies one stream event. Events for other jobs are ignored. */
export function applyEvent(view: WorkspaceView, ev: StreamEvent): WorkspaceView {
  const p = ev.Payload;
  switch (ev.Topic) {
    case 'Job': {
      if (ev.Key !== view.jobId || !p.Job) return view;
      // A purge and a stop are both JobDeregistered with Stop=true. A stop rewrites the job in that same Raft
      // apply (ModifyIndex == event index); a purge deletes it, and the payload is the row as it was before
      // (ModifyIndex < event index). Checked against Nomad 1.11's event stream in test/integration/lifecycle.
      const deleted = p.Deleted === true || (ev.Type === 'JobDeregistered' && (p.Job.ModifyIndex ?? ev.Index) < ev.Index);
      return putJob(view, deleted ? null : p.Job, ev.Index);
    }
    case 'Allocation':
      return p.Allocation ? putAlloc(view, p.Allocation) : view;
    case 'Evaluation':
      return p.Evaluation ? putEval(view, p.Evaluation) : view;
    default:
      return view;
  }
}

/**
 * Whether a frame may hide a purge: a deregistration's evaluation without a Job event. Nomad before 1.7 emits no Job
 * event when it purges a job (only the evaluation of the deregistration), so the job must be read again to learn
 * that it is gone. A stop (and any purge on 1.7+) carries its JobDeregistered event and needs no read.
 */
export function mayHidePurge(frame: StreamFrame): boolean {
  return frame.Events.some((e) => e.Topic === 'Evaluation' && e.Payload.Evaluation?.TriggeredBy === 'job-deregister')
    && !frame.Events.some((e) => e.Topic === 'Job');
}

/** Merges a fresh read of the job, its allocations and evaluations. */
export function applySnapshot(view: WorkspaceView, snap: Snapshot): WorkspaceView {
  let next = putJob(view, snap.job, snap.job ? Math.max(snap.job.ModifyIndex ?? 0, snap.index) : snap.index);
  for (const a of snap.allocs) next = putAlloc(next, a);
  for (const e of snap.evals) next = putEval(next, e);
  return next;
}

const byCreate = <T extends { CreateIndex: number }>(xs: T[]) => [...xs].sort((a, b) => b.CreateIndex - a.CreateIndex);

function lastEvent(ts: TaskState, types: string[]) {
  const evs = ts.Events ?? [];
  for (let i = evs.length - 1; i >= 0; i--) if (types.includes(evs[i]!.Type)) return evs[i];
  return undefined;
}

function taskReason(name: string, ts: TaskState): string {
  // The cause, not the consequence: "Not Restarting" / "Killed" follow the failure that matters.
  // A hook that fails its task kills it with a "Killing" event saying why ("Template failed: …", "Vault: failed
  // to derive vault token: …"); a stop's "Killing" never reaches here, as a stopped task is not failed.
  const cause = lastEvent(ts, ['Terminated', 'Driver Failure', 'Setup Failure', 'Failed Validation', 'Task hook failed', 'Failed Artifact Download', 'Killing']);
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
const REFUSED_PULL = /unauthorized|authentication required|no basic auth credentials|access denied|denied:|x509:|certificate signed by unknown authority|failed to verify certificate/i;

/** The Driver Failure of a pull the registry refused, when that is the task's latest start attempt. */
function refusedPull(ts: TaskState): string | undefined {
  const last = lastEvent(ts, ['Started', 'Driver Failure']);
  const msg = last?.DisplayMessage || last?.DriverError || '';
  return last?.Type === 'Driver Failure' && /pull/i.test(msg) && REFUSED_PULL.test(msg) ? msg : undefined;
}

/** Task-level phase of one allocation that Nomad wants running. */
function deriveTasks(alloc: Allocation, o: DeriveOptions): Observation {
  const base = { allocId: alloc.ID, nodeName: alloc.NodeName };
  const tasks = Object.entries(alloc.TaskStates ?? {});
  if (tasks.length === 0) return { ...base, phase: 'scheduled', reason: `placed on node ${alloc.NodeName ?? alloc.NodeID ?? '?'}, task not started yet` };
  let restarting: Observation | undefined;
  let starting: string | undefined;
  for (const [name, ts] of tasks) {
    if (ts.State === 'dead' && ts.Failed) return { ...base, phase: 'failed', reason: taskReason(name, ts), restarts: ts.Restarts };
    const refused = ts.State !== 'running' ? refusedPull(ts) : undefined;
    if (refused) return { ...base, phase: 'failed', reason: `task "${name}": ${refused} (the registry refused the pull; retrying cannot change that)`, restarts: ts.Restarts };
    if (ts.Restarts > 0) {
      const started = lastEvent(ts, ['Started']);
      const upFor = ts.State === 'running' && started ? o.now - started.Time / 1e6 : -1;
      const lastExit = lastEvent(ts, ['Terminated']);
      const failedBefore = lastExit !== undefined && (lastExit.ExitCode ?? 0) !== 0;
      if (upFor < o.stableMs && ts.State !== 'dead') {
        const why = `${taskReason(name, ts)}; restarted ${ts.Restarts} time${ts.Restarts === 1 ? '' : 's'}`;
        if (failedBefore && ts.Restarts >= o.crashLoopRestarts) return { ...base, phase: 'failed', reason: `crash loop: ${why}`, restarts: ts.Restarts };
        restarting ??= { ...base, phase: 'restarting', reason: why, restarts: ts.Restarts };
        continue;
      }
    }
    if (ts.State === 'pending') starting ??= `task "${name}" starting on node ${alloc.NodeName ?? '?'}: ${lastEvent(ts, ['Received', 'Task Setup', 'Driver', 'Downloading Artifacts', 'Building Task Directory', 'Template'])?.DisplayMessage ?? 'pending'}`;
  }
  if (restarting) return restarting;
  if (starting) return { ...base, phase: 'scheduled', reason: starting };
  const live = tasks.filter(([, ts]) => ts.State === 'running');
  if (live.length > 0) return { ...base, phase: 'running', restarts: Math.max(...tasks.map(([, t]) => t.Restarts)) };
  return { ...base, phase: 'stopped', reason: 'every task has exited' };
}

/**
 * While a replacement is on its way up, say what it replaces and why: a workspace moved off a lost or drained node
 * has lost what was only in its container, and the user should hear it was moved rather than see a plain restart.
 */
function withReplaced(view: WorkspaceView, current: Allocation, obs: Observation): Observation {
  // Full allocations (stream events) name their predecessor; list stubs (snapshots) only name the successor.
  const previous = (current.PreviousAllocation ? view.allocs[current.PreviousAllocation] : undefined)
    ?? Object.values(view.allocs).find((a) => a.NextAllocation === current.ID);
  if (!previous || obs.phase === 'running') return obs;
  const why = previous.ClientStatus === 'lost'
    ? `lost with node ${previous.NodeName ?? '?'} (${previous.DesiredDescription || 'its node is down'})`
    : previous.DesiredDescription ? `${previous.DesiredDescription} on node ${previous.NodeName ?? '?'}` : `${previous.ClientStatus} on node ${previous.NodeName ?? '?'}`;
  return { ...obs, reason: `${obs.reason ?? obs.phase}; replacing allocation ${previous.ID.slice(0, 8)}, ${why}` };
}

/**
 * Evaluations Nomad makes after a failure that place nothing for a workspace (no reschedules, no deployments to
 * progress): once complete, they must not read as "a placement is coming", or a failed workspace looks Busy forever.
 */
const NON_PLACING = new Set(['deployment-watcher', 'alloc-failure']);

/** The workspace's phase from everything known about its job. Defined for every combination of facts. */
export function derive(view: WorkspaceView, o: DeriveOptions): Observation {
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
    const cause = job.Meta?.[WORKSPACE_META.stopReason];
    const stopped = cause ? `job stopped after: ${cause}` : 'job stopped';
    return draining
      ? { phase: 'stopping', reason: `${stopped}; allocation ${draining.ID.slice(0, 8)} is shutting down`, allocId: draining.ID, nodeName: draining.NodeName }
      : { phase: 'stopped', reason: stopped };
  }

  const wanted = allocs.filter((a) => a.DesiredStatus === 'run');
  const current = wanted.find((a) => !isTerminalClientStatus(a.ClientStatus)) ?? wanted[0];
  const evals = byCreate(Object.values(view.evals).filter(thisInstance).filter((e) => e.Status !== 'blocked' && !(e.Status === 'complete' && NON_PLACING.has(e.TriggeredBy ?? ''))));
  const latestEval = evals[0];

  if (current && !isTerminalClientStatus(current.ClientStatus)) {
    if (current.ClientStatus === 'unknown') return { phase: 'restarting', reason: `node ${current.NodeName ?? '?'} of allocation ${current.ID.slice(0, 8)} is disconnected`, allocId: current.ID, nodeName: current.NodeName };
    return withReplaced(view, current, deriveTasks(current, o));
  }
  // Nothing is running or about to run for this job version.
  if (latestEval && latestEval.Status === 'failed') return { phase: 'failed', reason: `evaluation failed: ${latestEval.StatusDescription ?? 'unknown reason'}` };
  const placement = latestEval ? describePlacementFailure(latestEval.FailedTGAllocs, { drivers: jobDrivers(job) }) : undefined;
  const newestAllocIndex = current?.CreateIndex ?? 0;
  if (placement && latestEval!.CreateIndex >= newestAllocIndex) return { phase: 'failed', reason: placement };
  if (latestEval && (latestEval.Status === 'pending' || latestEval.CreateIndex > newestAllocIndex)) {
    return { phase: 'pending', reason: `evaluation ${latestEval.ID.slice(0, 8)} ${latestEval.Status}` };
  }
  if (current) {
    const base = { allocId: current.ID, nodeName: current.NodeName };
    if (current.ClientStatus === 'lost') return { ...base, phase: 'failed', reason: `allocation ${current.ID.slice(0, 8)} lost: ${current.ClientDescription || 'its node went down'}` };
    if (current.ClientStatus === 'failed') {
      const failedTask = Object.entries(current.TaskStates ?? {}).find(([, t]) => t.Failed);
      return { ...base, phase: 'failed', reason: failedTask ? taskReason(failedTask[0], failedTask[1]) : `allocation failed: ${current.ClientDescription ?? ''}` };
    }
    return { ...base, phase: 'stopped', reason: `allocation ${current.ID.slice(0, 8)} ${current.ClientStatus}` };
  }
  if (job.Status === 'dead') return { phase: 'stopped', reason: 'job is dead' };
  return { phase: 'pending', reason: 'waiting for the scheduler to place the job' };
}
