// The subset of Nomad's API shapes we read or write. Field names are Nomad's (Go, PascalCase).

export type JobStatus = 'pending' | 'running' | 'dead';
export type ClientStatus = 'pending' | 'running' | 'complete' | 'failed' | 'lost' | 'unknown';
export type DesiredStatus = 'run' | 'stop' | 'evict';
export type EvalStatus = 'blocked' | 'pending' | 'complete' | 'failed' | 'canceled';
export type TaskRunState = 'pending' | 'running' | 'dead';

/** A client status after which the allocation never runs again. */
export const isTerminalClientStatus = (s: ClientStatus): boolean => s === 'complete' || s === 'failed' || s === 'lost';

export interface NomadJob {
  ID: string;
  Name?: string;
  Namespace?: string;
  Region?: string;
  Type?: string;
  Status?: JobStatus;
  Stop?: boolean;
  Version?: number;
  Meta?: Record<string, string> | null;
  Datacenters?: string[];
  TaskGroups?: NomadTaskGroup[];
  CreateIndex?: number;
  ModifyIndex?: number;
  JobModifyIndex?: number;
  [key: string]: unknown;
}

/** A row of GET /v1/jobs. */
export interface JobStub {
  ID: string;
  Status: JobStatus;
  Stop?: boolean;
  Type?: string;
}

/** The task drivers a job uses, each once. */
export const jobDrivers = (job: NomadJob): string[] => [...new Set((job.TaskGroups ?? []).flatMap((g) => g.Tasks.map((t) => t.Driver)))];

export interface NomadNodeStub {
  ID: string;
  Name?: string;
  Status: string;
}

export interface NomadNode extends NomadNodeStub {
  /** The client's HTTP address, host:port. */
  HTTPAddr?: string;
  Attributes?: Record<string, string>;
}

export interface NomadTaskGroup {
  Name: string;
  Count?: number;
  Tasks: NomadTask[];
  [key: string]: unknown;
}

export interface NomadTask {
  Name: string;
  Driver: string;
  Config?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface TaskEvent {
  Type: string;
  Time: number;
  DisplayMessage?: string;
  Message?: string;
  ExitCode?: number;
  Signal?: number;
  FailsTask?: boolean;
  DriverError?: string;
  SetupError?: string;
  Details?: Record<string, string>;
}

export interface TaskState {
  State: TaskRunState;
  Failed: boolean;
  Restarts: number;
  LastRestart?: string | null;
  StartedAt?: string | null;
  FinishedAt?: string | null;
  Events?: TaskEvent[] | null;
}

export interface Allocation {
  ID: string;
  Name?: string;
  Namespace?: string;
  JobID: string;
  JobVersion?: number;
  TaskGroup?: string;
  NodeID?: string;
  NodeName?: string;
  EvalID?: string;
  ClientStatus: ClientStatus;
  ClientDescription?: string;
  DesiredStatus: DesiredStatus;
  DesiredDescription?: string;
  /** The allocation this one replaces (after a node loss, a drain or a reschedule). */
  PreviousAllocation?: string;
  TaskStates?: Record<string, TaskState> | null;
  FollowupEvalID?: string;
  NextAllocation?: string;
  CreateIndex: number;
  ModifyIndex: number;
  /** Unix nanoseconds. */
  CreateTime?: number;
  ModifyTime?: number;
  /** The ports Nomad gave the allocation (GET /v1/allocation/:id; not in list rows). */
  AllocatedResources?: { Shared?: { Ports?: AllocatedPort[] | null } } | null;
  /** The job as this allocation runs it (GET /v1/allocation/:id). */
  Job?: NomadJob | null;
}

/** A port of an allocation: its label, the host port and address, and the task port it maps to (0 = none). */
export interface AllocatedPort {
  Label: string;
  Value: number;
  To?: number;
  HostIP: string;
}

/** A row of GET /v1/service/:name: one registration of a Nomad-native service. */
export interface ServiceRegistration {
  ID: string;
  ServiceName: string;
  Namespace?: string;
  JobID: string;
  AllocID: string;
  Address: string;
  Port: number;
  Tags?: string[] | null;
}

export interface AllocationMetric {
  NodesEvaluated?: number;
  NodesFiltered?: number;
  NodesInPool?: number;
  NodesAvailable?: Record<string, number> | null;
  ClassFiltered?: Record<string, number> | null;
  ConstraintFiltered?: Record<string, number> | null;
  NodesExhausted?: number;
  ClassExhausted?: Record<string, number> | null;
  DimensionExhausted?: Record<string, number> | null;
  QuotaExhausted?: string[] | null;
  CoalescedFailures?: number;
}

export interface Evaluation {
  ID: string;
  Namespace?: string;
  JobID: string;
  Status: EvalStatus;
  StatusDescription?: string;
  TriggeredBy?: string;
  BlockedEval?: string;
  FailedTGAllocs?: Record<string, AllocationMetric> | null;
  CreateIndex: number;
  ModifyIndex: number;
  /** Unix nanoseconds. */
  CreateTime?: number;
}

export interface JobRegisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Warnings?: string;
  Index?: number;
}

export interface JobPlanResponse {
  JobModifyIndex: number;
  FailedTGAllocs?: Record<string, AllocationMetric> | null;
  Annotations?: { DesiredTGUpdates?: Record<string, Record<string, number>> } | null;
  Warnings?: string;
  Diff?: unknown;
}

export interface JobValidateResponse {
  DriverConfigValidated: boolean;
  ValidationErrors?: string[] | null;
  Error?: string;
  Warnings?: string;
}

/** One event of Nomad's event stream. */
export interface StreamEvent {
  Topic: string;
  Type: string;
  Key: string;
  Namespace?: string;
  FilterKeys?: string[] | null;
  Index: number;
  Payload: {
    Job?: NomadJob;
    Allocation?: Allocation;
    Evaluation?: Evaluation;
    Deployment?: unknown;
    [key: string]: unknown;
  };
}

/** One NDJSON line of the stream. Heartbeats are `{}` (no Index, no Events). */
export interface StreamFrame {
  Index: number;
  Events: StreamEvent[];
}

/** A volume constraint (the same shape as a job's). */
export interface NomadConstraint {
  LTarget: string;
  Operand: string;
  RTarget: string;
}

/** A dynamic host volume to create (PUT /v1/volume/host/create). Capacity fields are in bytes and named so. */
export interface HostVolumeSpec {
  Name: string;
  Namespace?: string;
  PluginID: string;
  NodePool?: string;
  NodeID?: string;
  Constraints?: NomadConstraint[];
  RequestedCapacityMinBytes?: number;
  RequestedCapacityMaxBytes?: number;
  RequestedCapabilities?: Array<{ AccessMode: string; AttachmentMode: string }>;
  Parameters?: Record<string, string>;
}

/** pending until the node fingerprints it, then ready; unavailable when its node is down or lost it. */
export type HostVolumeState = 'pending' | 'ready' | 'unavailable';

/** A dynamic host volume as Nomad reports it (a list row carries the same fields but HostPath and Allocations). */
export interface HostVolume extends HostVolumeSpec {
  ID: string;
  NodeID: string;
  State: HostVolumeState;
  HostPath?: string;
  CapacityBytes?: number;
  Allocations?: Array<{ ID: string }> | null;
  CreateIndex: number;
  ModifyIndex: number;
}

/** A CSI volume to create in its storage provider and register (PUT /v1/volume/csi/:id/create). */
export interface CsiVolumeSpec {
  ID: string;
  Name: string;
  Namespace?: string;
  PluginID: string;
  RequestedCapacityMin?: number;
  RequestedCapacityMax?: number;
  RequestedCapabilities?: Array<{ AccessMode: string; AttachmentMode: string }>;
  Parameters?: Record<string, string>;
}

export interface CsiVolume extends CsiVolumeSpec {
  /** Whether the plugin's controller and nodes are healthy enough to place a claim. */
  Schedulable: boolean;
  ControllersHealthy?: number;
  NodesHealthy?: number;
  /** The allocations that claim it, by id (null once an allocation is garbage-collected and its claim not yet freed). */
  ReadAllocs?: Record<string, unknown>;
  WriteAllocs?: Record<string, unknown>;
  ModifyIndex: number;
}
