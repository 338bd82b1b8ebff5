// What we know about one workspace job — its WorkspaceFacts — merged from snapshots and stream events. The first of
// the pure pieces behind the machine's observation: facts.ts merges what Nomad says, phase.ts derives the phase the
// facts imply (phase-tasks.ts reads one allocation's tasks for it); workspace.ts applies each fact here, then derives.
//
// Every object is kept at its highest ModifyIndex, so applying a fact twice (a replayed frame, a snapshot that
// overlaps the stream) changes nothing: merging is idempotent and order-insensitive per object.
import type { Allocation, Evaluation, NomadJob, StreamEvent, StreamFrame } from '../adapters/nomad/types.js';

/** Everything Nomad has told us about one workspace job: the machine's view of it. */
export interface WorkspaceFacts {
  jobId: string;
  /** undefined: not read yet; null: Nomad has no such job. */
  job: NomadJob | null | undefined;
  /** Raft index of the newest job fact (its ModifyIndex, or the index of its purge). */
  jobIndex: number;
  allocs: Record<string, Allocation>;
  evals: Record<string, Evaluation>;
}

/** One read of the job, its allocations and its evaluations (src/workspace/lifecycle/nomad-actors.ts readSnapshot). */
export interface Snapshot {
  job: NomadJob | null;
  allocs: Allocation[];
  evals: Evaluation[];
  /** The lowest X-Nomad-Index of the reads: every fact at or below it is in the snapshot. */
  index: number;
}

export const emptyView = (jobId: string): WorkspaceFacts => ({ jobId, job: undefined, jobIndex: 0, allocs: {}, evals: {} });

const newer = <T extends { ModifyIndex: number }>(old: T | undefined, next: T): boolean => !old || next.ModifyIndex >= old.ModifyIndex;

/**
 * The part of a job that derive(), busySince() and the ownership check read. A stream event carries the whole job
 * (every task's config, resources, policies: ~15 KB of heap); a watcher of 1,000 workspaces keeps only this.
 */
export function slimJob(j: NomadJob): NomadJob {
  return {
    ID: j.ID,
    Name: j.Name,
    Namespace: j.Namespace,
    Type: j.Type,
    Status: j.Status,
    Stop: j.Stop,
    Version: j.Version,
    Meta: j.Meta,
    SubmitTime: j.SubmitTime,
    CreateIndex: j.CreateIndex,
    ModifyIndex: j.ModifyIndex,
    JobModifyIndex: j.JobModifyIndex,
    TaskGroups: j.TaskGroups?.map((g) => ({ Name: g.Name, Tasks: g.Tasks.map((t) => ({ Name: t.Name, Driver: t.Driver })) })),
  };
}

/** The part of an evaluation that derive() and busySince() read (not its plan annotations). */
export function slimEval(e: Evaluation): Evaluation {
  return {
    ID: e.ID,
    JobID: e.JobID,
    Status: e.Status,
    StatusDescription: e.StatusDescription,
    TriggeredBy: e.TriggeredBy,
    FailedTGAllocs: e.FailedTGAllocs,
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
    CreateTime: e.CreateTime,
  };
}

function putJob(view: WorkspaceFacts, job: NomadJob | null, index: number): WorkspaceFacts {
  if (index < view.jobIndex) return view;
  return { ...view, job: job && slimJob(job), jobIndex: index };
}

/**
 * The part of an allocation that derive() reads. A stream event carries the whole allocation (resources, networks,
 * metrics, task event details: ~8 KB of heap each); a watcher of 1,000 workspaces keeps only this.
 */
export function slimAlloc(a: Allocation): Allocation {
  const taskStates =
    a.TaskStates &&
    Object.fromEntries(
      Object.entries(a.TaskStates).map(([name, t]) => [
        name,
        {
          State: t.State,
          Failed: t.Failed,
          Restarts: t.Restarts,
          Events:
            t.Events?.map((e) => ({
              Type: e.Type,
              Time: e.Time,
              DisplayMessage: e.DisplayMessage,
              Message: e.Message,
              ExitCode: e.ExitCode,
              DriverError: e.DriverError,
              SetupError: e.SetupError,
            })) ?? null,
        },
      ]),
    );
  return {
    ID: a.ID,
    JobID: a.JobID,
    NodeID: a.NodeID,
    NodeName: a.NodeName,
    ClientStatus: a.ClientStatus,
    ClientDescription: a.ClientDescription,
    DesiredStatus: a.DesiredStatus,
    DesiredDescription: a.DesiredDescription,
    PreviousAllocation: a.PreviousAllocation,
    NextAllocation: a.NextAllocation,
    TaskStates: taskStates,
    CreateIndex: a.CreateIndex,
    ModifyIndex: a.ModifyIndex,
    CreateTime: a.CreateTime,
  };
}

function putAlloc(view: WorkspaceFacts, alloc: Allocation): WorkspaceFacts {
  if (alloc.JobID !== view.jobId || !newer(view.allocs[alloc.ID], alloc)) return view;
  return { ...view, allocs: { ...view.allocs, [alloc.ID]: slimAlloc(alloc) } };
}

function putEval(view: WorkspaceFacts, ev: Evaluation): WorkspaceFacts {
  if (ev.JobID !== view.jobId || !newer(view.evals[ev.ID], ev)) return view;
  return { ...view, evals: { ...view.evals, [ev.ID]: slimEval(ev) } };
}

/** Applies one stream event. Events for other jobs are ignored. */
export function applyEvent(view: WorkspaceFacts, ev: StreamEvent): WorkspaceFacts {
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
 * `jobSeenAt`: the highest Index of a Job event already seen for this job. The deregistration's evaluation is created
 * in the deregistration's own Raft apply, so a Job event at or after its CreateIndex (Nomad 1.11 writes it on the line
 * before, at the same Index) already said what became of the job, and neither the evaluation nor its updates need a read.
 */
export function mayHidePurge(frame: StreamFrame, jobSeenAt = 0): boolean {
  return (
    frame.Events.some(
      (e) => e.Topic === 'Evaluation' && e.Payload.Evaluation?.TriggeredBy === 'job-deregister' && e.Payload.Evaluation.CreateIndex > jobSeenAt,
    ) && !frame.Events.some((e) => e.Topic === 'Job')
  );
}

/**
 * A stream frame with only what applyEvent, mayHidePurge and the routing by job read: the events' envelope and their
 * slim job, allocation or evaluation. Applied as each line is parsed (the stream's `shape`), so a 5 KB line leaves a
 * few hundred bytes behind and the rest of what JSON.parse built dies young (bench/inspector-scale.ts).
 */
export function slimFrame(frame: StreamFrame): StreamFrame {
  const events: StreamEvent[] = new Array(frame.Events.length);
  for (let i = 0; i < frame.Events.length; i++) {
    const ev = frame.Events[i]!;
    const p = ev.Payload ?? {};
    const payload: StreamEvent['Payload'] = {};
    if (p.Job) payload.Job = slimJob(p.Job);
    if (p.Allocation) payload.Allocation = slimAlloc(p.Allocation);
    if (p.Evaluation) payload.Evaluation = slimEval(p.Evaluation);
    if (p.Deleted !== undefined) payload.Deleted = p.Deleted;
    events[i] = { Topic: ev.Topic, Type: ev.Type, Key: ev.Key, Namespace: ev.Namespace, Index: ev.Index, Payload: payload };
  }
  return { Index: frame.Index, Events: events };
}

/** Merges a fresh read of the job, its allocations and evaluations. */
export function applySnapshot(view: WorkspaceFacts, snap: Snapshot): WorkspaceFacts {
  let next = putJob(view, snap.job, snap.job ? Math.max(snap.job.ModifyIndex ?? 0, snap.index) : snap.index);
  for (const a of snap.allocs) next = putAlloc(next, a);
  for (const e of snap.evals) next = putEval(next, e);
  return next;
}
