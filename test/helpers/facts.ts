// Builders for Nomad facts (jobs, allocations, task states, evaluations) in unit tests.
import type {
  Allocation,
  ClientStatus,
  DesiredStatus,
  Evaluation,
  JobStatus,
  NomadJob,
  StreamFrame,
  TaskState,
} from '../../src/adapters/nomad/types.js';

export const JOB = 'ws';
export const NOW = 1_800_000_000_000; // ms

export const job = (o: { stop?: boolean; status?: JobStatus; modifyIndex?: number } = {}): NomadJob => ({
  ID: JOB,
  Stop: o.stop ?? false,
  Status: o.status ?? 'running',
  ModifyIndex: o.modifyIndex ?? 10,
  JobModifyIndex: 10,
});

export type TaskKind = 'none' | 'pending' | 'running' | 'done' | 'failed' | 'restarting' | 'flapping' | 'recovered' | 'crashloop' | 'refused';

/** Nomad's docker driver's Driver Failure for a wrong registry password (seen in test/integration/registry.test.ts). */
export const REFUSED_PULL_MESSAGE =
  'Failed to pull `127.0.0.1:36723/private/busybox:1`: Error response from daemon: unauthorized: authentication required';

/** A task state of a given kind, as Nomad reports it. */
export function task(kind: Exclude<TaskKind, 'none'>): TaskState {
  const ev = (Type: string, agoMs: number, extra: object = {}) => ({ Type, Time: (NOW - agoMs) * 1e6, DisplayMessage: Type, ...extra });
  const exit1 = ev('Terminated', 5_000, { ExitCode: 1, DisplayMessage: 'Exit Code: 1' });
  switch (kind) {
    case 'pending':
      return {
        State: 'pending',
        Failed: false,
        Restarts: 0,
        Events: [ev('Received', 1000), ev('Driver', 500, { DisplayMessage: 'Downloading image' })],
      };
    case 'running':
      return { State: 'running', Failed: false, Restarts: 0, Events: [ev('Started', 60_000)] };
    case 'done':
      return { State: 'dead', Failed: false, Restarts: 0, Events: [ev('Terminated', 1000, { ExitCode: 0 })] };
    case 'failed':
      return {
        State: 'dead',
        Failed: true,
        Restarts: 2,
        Events: [exit1, ev('Not Restarting', 1000, { DisplayMessage: 'Exceeded allowed attempts 2 in interval 30m0s' })],
      };
    case 'restarting':
      return { State: 'pending', Failed: false, Restarts: 1, Events: [exit1, ev('Restarting', 4_000)] };
    case 'flapping':
      return { State: 'running', Failed: false, Restarts: 1, Events: [exit1, ev('Restarting', 4_000), ev('Started', 1_000)] };
    case 'recovered':
      return { State: 'running', Failed: false, Restarts: 1, Events: [exit1, ev('Restarting', 4_000), ev('Started', 60_000)] };
    case 'crashloop':
      return { State: 'pending', Failed: false, Restarts: 3, Events: [exit1, ev('Restarting', 4_000)] };
    case 'refused':
      return {
        State: 'pending',
        Failed: false,
        Restarts: 1,
        Events: [ev('Driver Failure', 5_000, { DisplayMessage: REFUSED_PULL_MESSAGE }), ev('Restarting', 4_000)],
      };
  }
}

let allocSeq = 0;
export function alloc(
  client: ClientStatus,
  desired: DesiredStatus,
  taskKind: TaskKind = 'running',
  o: { createIndex?: number; modifyIndex?: number; id?: string } = {},
): Allocation {
  return {
    ID: o.id ?? `a${++allocSeq}-0000-0000-0000-000000000000`,
    JobID: JOB,
    NodeName: 'node-1',
    ClientStatus: client,
    DesiredStatus: desired,
    TaskStates: taskKind === 'none' ? null : { workspace: task(taskKind) },
    CreateIndex: o.createIndex ?? 12,
    ModifyIndex: o.modifyIndex ?? 13,
  };
}

export function evaluation(
  o: { status?: Evaluation['Status']; failedMemory?: boolean; createIndex?: number; description?: string } = {},
): Evaluation {
  return {
    ID: `e-${o.createIndex ?? 11}-0000-0000-000000000000`,
    JobID: JOB,
    Status: o.status ?? 'complete',
    StatusDescription: o.description,
    FailedTGAllocs: o.failedMemory ? { workspace: { NodesEvaluated: 1, NodesInPool: 1, DimensionExhausted: { memory: 1 } } } : null,
    CreateIndex: o.createIndex ?? 11,
    ModifyIndex: (o.createIndex ?? 11) + 1,
  };
}

export const frame = (index: number, events: StreamFrame['Events']): StreamFrame => ({ Index: index, Events: events });
export const allocEvent = (a: Allocation, index = a.ModifyIndex) => ({
  Topic: 'Allocation',
  Type: 'AllocationUpdated',
  Key: a.ID,
  Index: index,
  Payload: { Allocation: a },
});
export const jobEvent = (j: NomadJob, type = 'JobRegistered', index = j.ModifyIndex ?? 10) => ({
  Topic: 'Job',
  Type: type,
  Key: JOB,
  Index: index,
  Payload: { Job: j },
});
export const evalEvent = (e: Evaluation) => ({
  Topic: 'Evaluation',
  Type: 'EvaluationUpdated',
  Key: e.ID,
  Index: e.ModifyIndex,
  Payload: { Evaluation: e },
});
