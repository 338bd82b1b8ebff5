// The replay behind bench/inspector-scale.ts: what Nomad 1.11 sends for 1,000 workspaces' lives, and a stand-in
// for Nomad's HTTP API on 127.0.0.1 that serves the inspector's reads at start and replays the NDJSON on its event
// stream subscriptions. The payloads have the field sets, key order, Raft-index pattern and line splitting of a
// stream captured from a Nomad 1.11.2 dev agent (the Job and Evaluation of one JobRegister apply arrive as two lines
// with the same Index; every key sorted; allocation payloads without the job), so the decoder, the adapter and the
// machines do their real work. Subscriptions are either one job's (`Job:<id>`, `Allocation:<id>`,
// `Evaluation:<id>`) or the namespace's (`Job`, `Allocation`, `Evaluation`), each served the lines Nomad's topic
// filter would give it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

type Json = Record<string, unknown>;
type Event = { FilterKeys: string[] | null; Index: number; Key: string; Namespace: string; Payload: Json; Topic: string; Type: string };

const NS = 'default';
const NODE_ID = 'f1b3a6d0-eccb-9cd2-4677-4fd71c7a8452';
const NODE_NAME = 'bench-node';
/** Raft index of the cluster's last allocation write before the replay: what an empty allocation list reports. */
const BASE_INDEX = 1000;
/** Nomad's client sends allocation updates in batches (200 ms ticker): one Raft apply for several jobs' allocations. */
const CLIENT_BATCH = 8;
/** Nomad keeps a task's last 10 events. */
const MAX_TASK_EVENTS = 10;

// ---------------------------------------------------------------------------------------------------------------
// Replay: Nomad 1.11 payloads, keys in Nomad's (sorted) order. JSON.stringify drops keys whose value is undefined,
// which stands for Go's omitempty.

let seed = 0x9e3779b9;
function rand32(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}
const hex = (n: number) => Array.from({ length: n }, () => (rand32() & 15).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
const iso = (ns: number) => new Date(ns / 1e6).toISOString().replace('Z', '000000Z');

const ev = (Topic: string, Type: string, Key: string, FilterKeys: string[] | null, Payload: Json): Omit<Event, 'Index'> => ({
  FilterKeys,
  Key,
  Namespace: NS,
  Payload,
  Topic,
  Type,
});

const resources = (cpu: number, mem: number, disk: number, memMax: number) => ({
  CPU: cpu,
  Cores: 0,
  Devices: null,
  DiskMB: disk,
  IOPS: 0,
  MemoryMB: mem,
  MemoryMaxMB: memMax,
  NUMA: null,
  Networks: null,
  SecretsMB: 0,
});

const restartPolicy = { Attempts: 3, Delay: 5000000000, Interval: 600000000000, Mode: 'fail', RenderTemplates: false };

function jobSpec(id: string, name: string) {
  return {
    Affinities: null,
    AllAtOnce: false,
    Constraints: null,
    ConsulNamespace: '',
    CreateIndex: 0,
    Datacenters: ['*'],
    DispatchIdempotencyToken: '',
    Dispatched: false,
    ID: id,
    JobModifyIndex: 0,
    Meta: { devpod_machine_id: name, devpod_provider_version: '0.1.0' },
    ModifyIndex: 0,
    Multiregion: null,
    Name: id,
    Namespace: NS,
    NodePool: 'default',
    NomadTokenID: '',
    ParameterizedJob: null,
    ParentID: '',
    Payload: null,
    Periodic: null,
    Priority: 50,
    Region: 'global',
    Spreads: null,
    Stable: false,
    Status: 'pending',
    StatusDescription: '',
    Stop: false,
    SubmitTime: 0,
    TaskGroups: [
      {
        Affinities: null,
        Constraints: null,
        Consul: null,
        Count: 1,
        Disconnect: null,
        EphemeralDisk: { Migrate: false, SizeMB: 300, Sticky: true },
        MaxClientDisconnect: null,
        Meta: null,
        Migrate: { HealthCheck: 'checks', HealthyDeadline: 300000000000, MaxParallel: 1, MinHealthyTime: 10000000000 },
        Name: 'workspace',
        Networks: null,
        PreventRescheduleOnLost: false,
        ReschedulePolicy: { Attempts: 0, Delay: 30000000000, DelayFunction: 'exponential', Interval: 0, MaxDelay: 3600000000000, Unlimited: false },
        RestartPolicy: restartPolicy,
        Scaling: null,
        Services: null,
        ShutdownDelay: null,
        Spreads: null,
        StopAfterClientDisconnect: null,
        Tasks: [
          {
            Actions: null,
            Affinities: null,
            Artifacts: null,
            CSIPluginConfig: null,
            Config: { args: ['infinity'], command: '/bin/sleep' },
            Constraints: null,
            Consul: null,
            DispatchPayload: null,
            Driver: 'raw_exec',
            Env: null,
            Identities: null,
            Identity: {
              Audience: ['nomadproject.io'],
              ChangeMode: '',
              ChangeSignal: '',
              Env: false,
              File: false,
              Filepath: '',
              Name: 'default',
              ServiceName: '',
              TTL: 0,
            },
            KillSignal: '',
            KillTimeout: 10000000000,
            Kind: '',
            Leader: false,
            Lifecycle: null,
            LogConfig: { Disabled: false, MaxFileSizeMB: 10, MaxFiles: 10 },
            Meta: null,
            Name: 'workspace',
            Resources: resources(200, 512, 0, 0),
            RestartPolicy: restartPolicy,
            ScalingPolicies: null,
            Schedule: null,
            Secrets: null,
            Services: null,
            ShutdownDelay: 0,
            Templates: null,
            User: '',
            Vault: null,
            VolumeMounts: null,
          },
        ],
        Update: {
          AutoPromote: false,
          AutoRevert: false,
          Canary: 0,
          HealthCheck: 'checks',
          HealthyDeadline: 300000000000,
          MaxParallel: 1,
          MinHealthyTime: 10000000000,
          ProgressDeadline: 600000000000,
          Stagger: 30000000000,
        },
        Volumes: null,
      },
    ],
    Type: 'service',
    UI: null,
    Update: {
      AutoPromote: false,
      AutoRevert: false,
      Canary: 0,
      HealthCheck: '',
      HealthyDeadline: 0,
      MaxParallel: 1,
      MinHealthyTime: 0,
      ProgressDeadline: 0,
      Stagger: 30000000000,
    },
    VaultNamespace: '',
    Version: 0,
    VersionTag: null,
  };
}

function taskEvent(
  Type: string,
  Time: number,
  o: {
    display: string;
    details?: Record<string, string>;
    message?: string;
    exitCode?: number;
    signal?: number;
    failsTask?: boolean;
    restartReason?: string;
    killTimeout?: number;
    startDelay?: number;
  },
) {
  return {
    Details: o.details ?? {},
    DiskLimit: 0,
    DisplayMessage: o.display,
    DownloadError: '',
    DriverError: '',
    DriverMessage: '',
    ExitCode: o.exitCode ?? 0,
    FailedSibling: '',
    FailsTask: o.failsTask ?? false,
    GenericSource: '',
    KillError: '',
    KillReason: '',
    KillTimeout: o.killTimeout ?? 0,
    Message: o.message ?? '',
    RestartReason: o.restartReason ?? '',
    SetupError: '',
    Signal: o.signal ?? 0,
    StartDelay: o.startDelay ?? 0,
    TaskSignal: '',
    TaskSignalReason: '',
    Time,
    Type,
    ValidationError: '',
    VaultError: '',
  };
}
type TaskEventJson = ReturnType<typeof taskEvent>;

const te = {
  received: (t: number) => taskEvent('Received', t, { display: 'Task received by client' }),
  setup: (t: number) =>
    taskEvent('Task Setup', t, {
      display: 'Building Task Directory',
      details: { message: 'Building Task Directory' },
      message: 'Building Task Directory',
    }),
  started: (t: number) => taskEvent('Started', t, { display: 'Task started by client' }),
  killing: (t: number) =>
    taskEvent('Killing', t, {
      display: 'Sent interrupt. Waiting 10s before force killing',
      details: { kill_timeout: '10s' },
      killTimeout: 10000000000,
    }),
  terminated: (t: number, code: number, signal = 0) =>
    taskEvent('Terminated', t, {
      display: signal ? `Exit Code: ${code}, Signal: ${signal}` : `Exit Code: ${code}`,
      details: { signal: String(signal), oom_killed: 'false', exit_code: String(code) },
      exitCode: code,
      signal,
    }),
  killed: (t: number) => taskEvent('Killed', t, { display: 'Task successfully killed' }),
  restarting: (t: number) =>
    taskEvent('Restarting', t, {
      display: 'Task restarting in 5.12s',
      details: { restart_reason: 'Restart within policy', start_delay: '5120000000' },
      restartReason: 'Restart within policy',
      startDelay: 5120000000,
    }),
  notRestarting: (t: number) =>
    taskEvent('Not Restarting', t, {
      display: 'Exceeded allowed attempts 3 in interval 10m0s and mode is "fail"',
      details: { fails_task: 'true', restart_reason: 'Exceeded allowed attempts 3 in interval 10m0s and mode is "fail"' },
      failsTask: true,
      restartReason: 'Exceeded allowed attempts 3 in interval 10m0s and mode is "fail"',
    }),
  unhealthy: (t: number) =>
    taskEvent('Alloc Unhealthy', t, {
      display: 'Unhealthy because of failed task',
      details: { message: 'Unhealthy because of failed task' },
      message: 'Unhealthy because of failed task',
    }),
};

interface TaskStateJson {
  Events: TaskEventJson[];
  Failed: boolean;
  FinishedAt: string | null;
  LastRestart: string | null;
  Paused: string;
  Restarts: number;
  StartedAt: string | null;
  State: 'pending' | 'running' | 'dead';
}

/** One workspace job while its life is generated: the newest version of each object Nomad holds for it. */
interface Ws {
  id: string;
  name: string;
  fate: Fate;
  job: ReturnType<typeof jobSpec>;
  evalNow?: Json;
  alloc?: Json & { ID: string; CreateIndex: number };
  task?: TaskStateJson;
  deployment?: Json & { ID: string };
}

type Fate = 'running' | 'stopped' | 'purged' | 'crashloop';
/** 60 % stay running, 20 % are stopped, 10 % deleted (purged), 10 % crash-loop after the restart. */
export const fateOf = (i: number): Fate =>
  (['running', 'running', 'running', 'running', 'running', 'running', 'stopped', 'stopped', 'purged', 'crashloop'] as const)[i % 10]!;

/** A step of one workspace's life: the lines (each a list of events) Nomad writes for one Raft apply. */
interface Step {
  /** A client allocation update: batched with other jobs' into one apply. */
  client?: boolean;
  run(index: number, now: number): Omit<Event, 'Index'>[][];
}

function makeEval(ws: Ws, index: number, now: number, triggeredBy: string, o: { jobModifyIndex?: number; deploymentId?: string } = {}): Json {
  return {
    CreateIndex: index,
    CreateTime: now,
    DeploymentID: o.deploymentId,
    ID: uuid(),
    JobID: ws.id,
    JobModifyIndex: o.jobModifyIndex,
    ModifyIndex: index,
    ModifyTime: now,
    Namespace: NS,
    Priority: 50,
    Status: 'pending',
    TriggeredBy: triggeredBy,
    Type: 'service',
  };
}

function completeEval(ws: Ws, index: number, now: number, place: number, stop: number, ignore = 0): Json {
  const e = ws.evalNow!;
  const withDeployment = e.TriggeredBy !== 'job-deregister' || place + stop > 0;
  ws.evalNow = {
    CreateIndex: e.CreateIndex,
    CreateTime: e.CreateTime,
    DeploymentID: withDeployment ? ws.deployment?.ID : undefined,
    ID: e.ID,
    JobID: ws.id,
    JobModifyIndex: e.JobModifyIndex,
    ModifyIndex: index,
    ModifyTime: now,
    Namespace: NS,
    PlanAnnotations: withDeployment
      ? {
          DesiredTGUpdates: {
            workspace: {
              Canary: 0,
              DestructiveUpdate: 0,
              Disconnect: 0,
              Ignore: ignore,
              InPlaceUpdate: 0,
              Migrate: 0,
              Place: place,
              Preemptions: 0,
              Reconnect: 0,
              RescheduleLater: 0,
              RescheduleNow: 0,
              Stop: stop,
            },
          },
          PreemptedAllocs: null,
        }
      : { DesiredTGUpdates: {}, PreemptedAllocs: null },
    Priority: 50,
    QueuedAllocations: withDeployment ? { workspace: 0 } : undefined,
    SnapshotIndex: e.CreateIndex,
    Status: 'complete',
    TriggeredBy: e.TriggeredBy,
    Type: 'service',
  };
  return ws.evalNow;
}

const allocKeys = (ws: Ws) => [ws.id, String(ws.deployment?.ID ?? '')];
const evalKeys = (ws: Ws) => [ws.id, String(ws.evalNow?.DeploymentID ?? '')];

function setJob(ws: Ws, o: Partial<ReturnType<typeof jobSpec>>) {
  ws.job = { ...ws.job, ...o };
  return ws.job;
}

function deployment(
  ws: Ws,
  index: number,
  now: number,
  status: string,
  description: string,
  healthy: number,
  unhealthy: number,
): Json & { ID: string } {
  const d = ws.deployment;
  ws.deployment = {
    CreateIndex: d?.CreateIndex ?? index,
    CreateTime: d?.CreateTime ?? now,
    EvalPriority: 50,
    ID: d?.ID ?? uuid(),
    IsMultiregion: false,
    JobCreateIndex: ws.job.CreateIndex,
    JobID: ws.id,
    JobModifyIndex: ws.job.JobModifyIndex,
    JobSpecModifyIndex: ws.job.JobModifyIndex,
    JobVersion: ws.job.Version,
    ModifyIndex: index,
    ModifyTime: now,
    Namespace: NS,
    Status: status,
    StatusDescription: description,
    TaskGroups: {
      workspace: {
        AutoPromote: false,
        AutoRevert: false,
        DesiredCanaries: 0,
        DesiredTotal: 1,
        HealthyAllocs: healthy,
        PlacedAllocs: 1,
        PlacedCanaries: null,
        ProgressDeadline: 600000000000,
        Promoted: false,
        RequireProgressBy: iso(now + 600e9),
        UnhealthyAllocs: unhealthy,
      },
    },
  };
  return ws.deployment;
}

function allocUpdate(ws: Ws, index: number, now: number, o: Json = {}): Json & { ID: string; CreateIndex: number } {
  ws.alloc = { ...ws.alloc!, ...o, ModifyIndex: index, ModifyTime: now, TaskStates: ws.task ? { workspace: ws.task } : undefined };
  return ws.alloc;
}

function pushTaskEvents(ws: Ws, ...events: TaskEventJson[]) {
  const all = [...ws.task!.Events, ...events];
  ws.task!.Events = all.slice(-MAX_TASK_EVENTS);
}

const clientStep = (f: (index: number, now: number) => Omit<Event, 'Index'>[]): Step => ({ client: true, run: (i, n) => [f(i, n)] });

/** JobRegister: the job, then its evaluation (on a second line with the same Index, as Nomad 1.11 writes them). */
function register(ws: Ws): Step {
  return {
    run(index, now) {
      const first = ws.job.CreateIndex === 0;
      const version = first ? 0 : ws.job.Version + 1;
      const common = { JobModifyIndex: index, ModifyIndex: index, SubmitTime: now, Version: version, Stop: false, Stable: false };
      ws.evalNow = makeEval(ws, index, now, 'job-register', { jobModifyIndex: index });
      if (first) {
        const job = setJob(ws, { ...common, CreateIndex: index, Status: 'pending' });
        return [
          [ev('Job', 'JobRegistered', ws.id, null, { Job: job })],
          [ev('Evaluation', 'JobRegistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })],
        ];
      }
      const dead = setJob(ws, { ...common, Status: 'dead' });
      const pending = setJob(ws, { Status: 'pending' });
      return [
        [ev('Job', 'JobRegistered', ws.id, null, { Job: dead })],
        [
          ev('Evaluation', 'JobRegistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow }),
          ev('Job', 'JobRegistered', ws.id, null, { Job: pending }),
        ],
      ];
    },
  };
}

/** The scheduler's plan: a deployment, one allocation on the node, the job now running. */
function place(ws: Ws): Step {
  return {
    run(index, now) {
      ws.deployment = undefined;
      ws.task = undefined;
      const e: Json = { ...ws.evalNow!, ModifyIndex: index };
      ws.evalNow = e;
      const d = deployment(ws, index, now, 'running', 'Deployment is running', 0, 0);
      const id = uuid();
      ws.alloc = {
        AllocModifyIndex: index,
        AllocatedResources: {
          Shared: { DiskMB: 300, Networks: null, Ports: null },
          TaskLifecycles: { workspace: null },
          Tasks: {
            workspace: { Cpu: { CpuShares: 200, ReservedCores: null }, Devices: null, Memory: { MemoryMB: 512, MemoryMaxMB: 0 }, Networks: null },
          },
        },
        ClientDescription: undefined,
        ClientStatus: 'pending',
        CreateIndex: index,
        CreateTime: now,
        DeploymentID: d.ID,
        DeploymentStatus: undefined,
        DesiredDescription: undefined,
        DesiredStatus: 'run',
        EvalID: e.ID,
        ID: id,
        JobID: ws.id,
        Metrics: {
          AllocationTime: 120720,
          ClassExhausted: null,
          ClassFiltered: null,
          CoalescedFailures: 0,
          ConstraintFiltered: null,
          DimensionExhausted: null,
          NodePool: 'default',
          NodesAvailable: { dc1: 1 },
          NodesEvaluated: 1,
          NodesExhausted: 0,
          NodesFiltered: 0,
          NodesInPool: 1,
          QuotaExhausted: null,
          ResourcesExhausted: null,
          ScoreMetaData: [
            {
              NodeID: NODE_ID,
              NormScore: 0.061184349395775134,
              Scores: { binpack: 0.061184349395775134, 'job-anti-affinity': 0, 'node-reschedule-penalty': 0, 'node-affinity': 0 },
            },
          ],
          Scores: null,
        },
        ModifyIndex: index,
        ModifyTime: now,
        Name: `${ws.id}.workspace[0]`,
        Namespace: NS,
        NetworkStatus: undefined,
        NodeID: NODE_ID,
        NodeName: NODE_NAME,
        Resources: resources(200, 512, 300, 512),
        SharedResources: resources(0, 0, 300, 0),
        SigningKeyID: '597425e0-12a2-c8cd-1e9c-413748a4e035',
        TaskGroup: 'workspace',
        TaskResources: { workspace: resources(200, 512, 0, 0) },
        TaskStates: undefined,
      };
      const job = setJob(ws, { ModifyIndex: index, Status: 'running' });
      return [
        [
          ev('Evaluation', 'PlanResult', String(e.ID), evalKeys(ws), { Evaluation: e }),
          ev('Deployment', 'PlanResult', d.ID, [ws.id], { Deployment: d }),
          ev('Allocation', 'PlanResult', id, allocKeys(ws), { Allocation: ws.alloc }),
          ev('Job', 'PlanResult', ws.id, null, { Job: job }),
        ],
      ];
    },
  };
}

function evalDone(ws: Ws, placed: number, stopped: number, withJob?: Partial<ReturnType<typeof jobSpec>>): Step {
  return {
    run(index, now) {
      const e = completeEval(ws, index, now, placed, stopped);
      const events = [ev('Evaluation', 'EvaluationUpdated', String(e.ID), evalKeys(ws), { Evaluation: e })];
      if (withJob) events.push(ev('Job', 'EvaluationUpdated', ws.id, null, { Job: setJob(ws, { ...withJob, ModifyIndex: index }) }));
      return [events];
    },
  };
}

const netStatus = { Address: '', AddressIPv6: '', DNS: null, InterfaceName: '' };

/** The client: task received and its directory built, not started yet. */
const taskPending = (ws: Ws) =>
  clientStep((index, now) => {
    ws.task = {
      Events: [te.received(now - 20e6), te.setup(now - 10e6)],
      Failed: false,
      FinishedAt: null,
      LastRestart: null,
      Paused: '',
      Restarts: 0,
      StartedAt: null,
      State: 'pending',
    };
    return [
      ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), {
        Allocation: allocUpdate(ws, index, now, { ClientDescription: 'No tasks have started', NetworkStatus: netStatus }),
      }),
    ];
  });

const taskRunning = (ws: Ws) =>
  clientStep((index, now) => {
    pushTaskEvents(ws, te.started(now));
    Object.assign(ws.task!, { State: 'running', StartedAt: iso(now) });
    return [
      ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), {
        Allocation: allocUpdate(ws, index, now, { ClientStatus: 'running', ClientDescription: 'Tasks are running', NetworkStatus: netStatus }),
      }),
    ];
  });

/** The client reports the allocation healthy after min_healthy_time (10 s); the deployment counts it. */
const healthy = (ws: Ws) =>
  clientStep((index, now) => {
    const a = allocUpdate(ws, index, now, { DeploymentStatus: { Canary: false, Healthy: true, ModifyIndex: index, Timestamp: iso(now) } });
    const d = deployment(ws, index, now, 'running', 'Deployment is running', 1, 0);
    return [
      ev('Deployment', 'AllocationUpdated', d.ID, [ws.id], { Deployment: d }),
      ev('Allocation', 'AllocationUpdated', a.ID, allocKeys(ws), { Allocation: a }),
    ];
  });

/** The deployment watcher marks the deployment successful, which marks the job version stable. */
function deploymentDone(ws: Ws): Step {
  return {
    run(index, now) {
      const d = deployment(ws, index, now, 'successful', 'Deployment completed successfully', 1, 0);
      return [
        [
          ev('Deployment', 'DeploymentStatusUpdate', d.ID, [ws.id], { Deployment: d }),
          ev('Job', 'DeploymentStatusUpdate', ws.id, null, { Job: setJob(ws, { ModifyIndex: index, Stable: true }) }),
        ],
      ];
    },
  };
}

/** JobDeregister without purge: the job is rewritten with Stop=true in the same apply (ModifyIndex == Index). */
function deregister(ws: Ws): Step {
  return {
    run(index, now) {
      const job = setJob(ws, {
        Stop: true,
        Status: 'running',
        ModifyIndex: index,
        JobModifyIndex: index,
        Version: ws.job.Version + 1,
        SubmitTime: now,
        Stable: false,
      });
      ws.evalNow = makeEval(ws, index, now, 'job-deregister', { jobModifyIndex: index });
      return [
        [ev('Job', 'JobDeregistered', ws.id, null, { Job: job })],
        [ev('Evaluation', 'JobDeregistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })],
      ];
    },
  };
}

function planStop(ws: Ws): Step {
  return {
    run(index, now) {
      const e: Json = { ...ws.evalNow!, ModifyIndex: index };
      ws.evalNow = e;
      const d = deployment(ws, index, now, 'cancelled', 'Cancelled because job is stopped', 1, 0);
      const a = allocUpdate(ws, index, now, {
        AllocModifyIndex: index,
        DesiredStatus: 'stop',
        DesiredDescription: 'alloc not needed due to job update',
      });
      return [
        [
          ev('Deployment', 'PlanResult', d.ID, [ws.id], { Deployment: d }),
          ev('Evaluation', 'PlanResult', String(e.ID), evalKeys(ws), { Evaluation: e }),
          ev('Allocation', 'PlanResult', a.ID, allocKeys(ws), { Allocation: a }),
          ev('Job', 'PlanResult', ws.id, null, { Job: setJob(ws, { ModifyIndex: index, Status: 'pending' }) }),
        ],
      ];
    },
  };
}

const taskKilled = (ws: Ws) =>
  clientStep((index, now) => {
    pushTaskEvents(ws, te.killing(now - 30e6), te.terminated(now - 5e6, 130, 2), te.killed(now));
    Object.assign(ws.task!, { State: 'dead', FinishedAt: iso(now) });
    return [
      ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), {
        Allocation: allocUpdate(ws, index, now, { ClientStatus: 'complete', ClientDescription: 'All tasks have completed' }),
      }),
    ];
  });

/** A terminal allocation's last sync from the client (Nomad 1.11 sends one more update after the terminal one). */
const resync = (ws: Ws) =>
  clientStep((index, now) => [ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), { Allocation: allocUpdate(ws, index, now) })]);

/** JobDeregister with purge: the payload is the deleted row, its ModifyIndex below the event's Index. */
function purge(ws: Ws): Step {
  return {
    run(index, now) {
      const job = ws.job;
      ws.evalNow = makeEval(ws, index, now, 'job-deregister', { jobModifyIndex: index });
      return [
        [ev('Job', 'JobDeregistered', ws.id, null, { Job: job })],
        [ev('Evaluation', 'JobDeregistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })],
      ];
    },
  };
}

/** The task exits 1 and the restart policy (3 attempts, mode fail) restarts it. */
const taskCrashed = (ws: Ws) =>
  clientStep((index, now) => {
    const restarts = ws.task!.Restarts + 1;
    pushTaskEvents(ws, te.terminated(now - 10e6, 1), te.restarting(now));
    Object.assign(ws.task!, { State: 'pending', Restarts: restarts, LastRestart: iso(now) });
    return [
      ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), {
        Allocation: allocUpdate(ws, index, now, { ClientDescription: 'Tasks are running' }),
      }),
    ];
  });

/** The last exit: not restarting, the allocation failed and unhealthy, the deployment too; the job is dead. */
function taskFailed(ws: Ws): Step {
  return clientStep((index, now) => {
    pushTaskEvents(ws, te.terminated(now - 30e6, 1), te.notRestarting(now - 20e6), te.unhealthy(now));
    Object.assign(ws.task!, { State: 'dead', Failed: true, FinishedAt: iso(now) });
    const a = allocUpdate(ws, index, now, {
      ClientStatus: 'failed',
      ClientDescription: 'Failed tasks',
      DeploymentStatus: { Canary: false, Healthy: false, ModifyIndex: index, Timestamp: iso(now) },
    });
    const d = deployment(ws, index, now, 'running', 'Deployment is running', 0, 1);
    return [
      ev('Deployment', 'AllocationUpdated', d.ID, [ws.id], { Deployment: d }),
      ev('Allocation', 'AllocationUpdated', a.ID, allocKeys(ws), { Allocation: a }),
      ev('Job', 'AllocationUpdated', ws.id, null, { Job: setJob(ws, { ModifyIndex: index, Status: 'dead' }) }),
    ];
  });
}

/** The deployment watcher fails the deployment and creates an evaluation; the scheduler completes it (Ignore 1). */
function deploymentFailed(ws: Ws): Step[] {
  return [
    {
      run(index, now) {
        const d = deployment(ws, index, now, 'failed', 'Failed due to unhealthy allocations', 0, 1);
        ws.evalNow = makeEval(ws, index, now, 'deployment-watcher', { deploymentId: d.ID });
        return [
          [
            ev('Deployment', 'DeploymentStatusUpdate', d.ID, [ws.id], { Deployment: d }),
            ev('Evaluation', 'DeploymentStatusUpdate', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow }),
          ],
        ];
      },
    },
    {
      run(index, now) {
        const e = completeEval(ws, index, now, 0, 0, 1);
        return [[ev('Evaluation', 'EvaluationUpdated', String(e.ID), evalKeys(ws), { Evaluation: e })]];
      },
    },
  ];
}

function lifeOf(ws: Ws): Step[][] {
  const up = (): Step[] => [register(ws), place(ws), evalDone(ws, 1, 0), taskPending(ws), taskRunning(ws), healthy(ws), deploymentDone(ws)];
  const down = (): Step[] => [deregister(ws), planStop(ws), evalDone(ws, 0, 1, { Status: 'dead' }), taskKilled(ws), resync(ws)];
  // Phases, each a run of steps; a heartbeat line (`{}`, Nomad's 10 s keep-alive) follows each quiet period.
  const phases: Step[][] = [
    up(),
    down(),
    ws.fate === 'crashloop'
      ? [
          register(ws),
          place(ws),
          evalDone(ws, 1, 0),
          taskPending(ws),
          taskRunning(ws),
          taskCrashed(ws),
          taskRunning(ws),
          taskCrashed(ws),
          taskRunning(ws),
          taskCrashed(ws),
          taskRunning(ws),
          taskFailed(ws),
          ...deploymentFailed(ws),
        ]
      : up(),
  ];
  if (ws.fate === 'stopped' || ws.fate === 'purged') phases.push(down());
  if (ws.fate === 'purged') phases.push([purge(ws), evalDone(ws, 0, 0)]);
  return phases;
}

/** What a workspace's machine must show once its whole stream is applied. */
export interface Expectation {
  /** Index of its last frame: the machine's lastIndex must reach it. */
  last: number;
  /** Acceptable final states. */
  final: string[];
  /** States its timeline must have passed through. */
  visit: string[];
}

const EXPECT: Record<Fate, Omit<Expectation, 'last'>> = {
  running: { final: ['running'], visit: ['pending', 'scheduled', 'running', 'stopping', 'stopped'] },
  stopped: { final: ['stopped'], visit: ['pending', 'scheduled', 'running', 'stopping', 'stopped'] },
  purged: { final: ['notFound'], visit: ['pending', 'scheduled', 'running', 'stopping', 'stopped', 'notFound'] },
  // A crash loop must show restarting, then failed. After it, Nomad's deployment watcher creates an evaluation
  // newer than the failed allocation, which derive() (src/machines/phase.ts) reads as "pending": accepted here,
  // counted in the report.
  crashloop: { final: ['failed', 'pending'], visit: ['pending', 'scheduled', 'running', 'stopping', 'stopped', 'restarting', 'failed'] },
};

export interface Replay {
  jobIds: string[];
  /** Every job's stream lines in global Raft order: [job number, Index, events in the line, the NDJSON line]. */
  lines: { job: number; index: number; events: number; text: Buffer }[];
  /** HTTP answers for the reads at start, as they stood after every job was registered. */
  reads: Map<string, { body: Buffer; gzipped: Buffer; index: number }>;
  expect: Record<string, Expectation>;
  /** First index every subscription is expected to ask for (the hydration snapshot's index + 1). */
  from: number;
  events: number;
  frames: number;
  heartbeats: number;
  bytes: number;
  /** Events Nomad's unfiltered stream would carry (deployments included); the subscriptions see `events` of them. */
  clusterEvents: number;
  /** Lines with the same Index as the line before on their subscription, and their events. */
  sameIndexLines: number;
  sameIndexEvents: number;
  /** What one subscription to the namespace's Job, Allocation and Evaluation topics carries: every line once. */
  shared: {
    lines: { index: number; events: number; text: Buffer }[];
    events: number;
    frames: number;
    bytes: number;
    sameIndexLines: number;
    sameIndexEvents: number;
  };
}

function readAnswer(value: unknown, index: number) {
  const body = Buffer.from(JSON.stringify(value));
  return { body, gzipped: gzipSync(body), index };
}

/** Nomad's topic filter: Topic:key matches an event of that topic whose Key or one of its FilterKeys is key. */
function subscribers(e: Omit<Event, 'Index'>, jobNumber: Map<string, number>): number[] {
  if (e.Topic !== 'Job' && e.Topic !== 'Allocation' && e.Topic !== 'Evaluation') return [];
  const out = new Set<number>();
  for (const k of [e.Key, ...(e.FilterKeys ?? [])]) {
    const n = jobNumber.get(k);
    if (n !== undefined) out.add(n);
  }
  return [...out];
}

export function buildReplay(workspaces: number): Replay {
  seed = 0x9e3779b9;
  const t0 = Date.now() * 1e6;
  const wss: Ws[] = Array.from({ length: workspaces }, (_, i) => {
    const name = `scale-${String(i).padStart(4, '0')}`;
    return { id: `devpod-${name}`, name, fate: fateOf(i), job: jobSpec(`devpod-${name}`, name) };
  });
  const jobNumber = new Map(wss.map((w, i) => [w.id, i]));
  const phases = wss.map(lifeOf);
  const replay: Replay = {
    jobIds: wss.map((w) => w.id),
    lines: [],
    reads: new Map(),
    expect: {},
    from: BASE_INDEX + 1,
    events: 0,
    frames: 0,
    heartbeats: 0,
    bytes: 0,
    clusterEvents: 0,
    sameIndexLines: 0,
    sameIndexEvents: 0,
    shared: { lines: [], events: 0, frames: 0, bytes: 0, sameIndexLines: 0, sameIndexEvents: 0 },
  };
  const lastIndexOf = new Map<number, number>();
  const heartbeat = Buffer.from('{}\n');
  let index = BASE_INDEX;
  let clock = t0;

  const emit = (lines: Omit<Event, 'Index'>[][], idx: number) => {
    for (const line of lines) {
      replay.clusterEvents += line.length;
      const perJob = new Map<number, Event[]>();
      const shared: Event[] = [];
      for (const e of line) {
        const full = { ...e, Index: idx } as Event;
        const subs = subscribers(e, jobNumber);
        for (const n of subs) perJob.set(n, [...(perJob.get(n) ?? []), full]);
        if (subs.length) shared.push(full);
      }
      if (shared.length) {
        const text = Buffer.from(`${JSON.stringify({ Events: shared, Index: idx })}\n`);
        const sh = replay.shared;
        if (sh.lines.at(-1)?.index === idx) {
          sh.sameIndexLines++;
          sh.sameIndexEvents += shared.length;
        }
        sh.lines.push({ index: idx, events: shared.length, text });
        sh.events += shared.length;
        sh.frames++;
        sh.bytes += text.length;
      }
      for (const [n, events] of perJob) {
        const text = Buffer.from(`${JSON.stringify({ Events: events, Index: idx })}\n`);
        replay.lines.push({ job: n, index: idx, events: events.length, text });
        if (lastIndexOf.get(n) === idx) {
          replay.sameIndexLines++;
          replay.sameIndexEvents += events.length;
        }
        lastIndexOf.set(n, idx);
        replay.events += events.length;
        replay.frames++;
        replay.bytes += text.length;
        replay.expect[wss[n]!.id]!.last = idx;
      }
    }
  };
  for (const w of wss) replay.expect[w.id] = { last: 0, ...EXPECT[w.fate] };

  const maxPhases = Math.max(...phases.map((p) => p.length));
  for (let p = 0; p < maxPhases; p++) {
    const queues = phases.map((ph) => [...(ph[p] ?? [])]);
    const hadPhase = queues.map((q) => q.length > 0);
    // Round-robin: the next step of every job in turn, client updates batched CLIENT_BATCH jobs to an apply.
    for (let round = 0; ; round++) {
      let any = false;
      let batch: Step[] = [];
      const flush = () => {
        if (batch.length === 0) return;
        clock += 2e6;
        const idx = ++index;
        emit([batch.flatMap((s) => s.run(idx, clock)[0]!)], idx);
        batch = [];
      };
      for (const q of queues) {
        const step = q.shift();
        if (!step) continue;
        any = true;
        if (step.client) {
          batch.push(step);
          if (batch.length === CLIENT_BATCH) flush();
        } else {
          clock += 2e6;
          const idx = ++index;
          emit(step.run(idx, clock), idx);
        }
      }
      flush();
      if (!any) break;
      if (p === 0 && round === 0) {
        // Every job is registered and nothing else has happened yet: the moment the inspector starts and reads.
        const stubs = wss.map((w) => ({
          CreateIndex: w.job.CreateIndex,
          Datacenters: ['*'],
          ID: w.id,
          JobModifyIndex: w.job.JobModifyIndex,
          JobSummary: {
            Children: { Dead: 0, Pending: 0, Running: 0 },
            CreateIndex: w.job.CreateIndex,
            JobID: w.id,
            ModifyIndex: w.job.CreateIndex,
            Namespace: NS,
            Summary: { workspace: { Complete: 0, Failed: 0, Lost: 0, Queued: 1, Running: 0, Starting: 0, Unknown: 0 } },
          },
          ModifyIndex: w.job.ModifyIndex,
          Multiregion: null,
          Name: w.id,
          Namespace: NS,
          NodePool: 'default',
          ParameterizedJob: false,
          ParentID: '',
          Periodic: false,
          Priority: 50,
          Status: 'pending',
          StatusDescription: '',
          Stop: false,
          SubmitTime: w.job.SubmitTime,
          Type: 'service',
        }));
        replay.reads.set('/v1/jobs', readAnswer(stubs, index));
        // `meta=true`: the same stubs with each job's Meta (Nomad 1.6+), for the inspector's bulk reads.
        replay.reads.set(
          '/v1/jobs?meta=true',
          readAnswer(
            stubs.map((stub, n) => ({ ...stub, Meta: wss[n]!.job.Meta })),
            index,
          ),
        );
        // The namespace's lists, filtered to the workspaces (`JobID matches "^devpod-"`): what the per-job lists hold, together.
        replay.reads.set('/v1/allocations', readAnswer([], BASE_INDEX));
        replay.reads.set(
          '/v1/evaluations',
          readAnswer(
            wss.map((w) => w.evalNow),
            index,
          ),
        );
        for (const w of wss) {
          replay.reads.set(`/v1/job/${w.id}`, readAnswer(w.job, w.job.ModifyIndex));
          // Nomad answers a job's allocation and evaluation lists with the whole table's index.
          replay.reads.set(`/v1/job/${w.id}/allocations`, readAnswer([], BASE_INDEX));
          replay.reads.set(`/v1/job/${w.id}/evaluations`, readAnswer([w.evalNow], index));
        }
      }
    }
    // Quiet until the next phase: Nomad's heartbeat on every subscription that had something in this one.
    if (hadPhase.some(Boolean)) {
      replay.shared.lines.push({ index, events: 0, text: heartbeat });
      replay.shared.bytes += heartbeat.length;
    }
    hadPhase.forEach((had, n) => {
      if (!had) return;
      replay.lines.push({ job: n, index, events: 0, text: heartbeat });
      replay.heartbeats++;
      replay.bytes += heartbeat.length;
    });
  }
  return replay;
}

// ---------------------------------------------------------------------------------------------------------------
// The stand-in for Nomad's HTTP API.

interface Subscription {
  /** The job's number, or -1 for a subscription to the whole namespace. */
  job: number;
  from: number;
  socket: Socket;
}

export interface FakeNomad {
  address: string;
  /** Open event-stream subscriptions. */
  subscriptions(): number;
  /** Events and lines written by the last replay, over all subscriptions. */
  written(): { events: number; frames: number };
  close(): Promise<void>;
}

export async function serveReplay(replay: Replay): Promise<FakeNomad> {
  const jobNumber = new Map(replay.jobIds.map((id, n) => [id, n]));
  const subs = new Set<Subscription>();
  const expectBody = JSON.stringify({ from: replay.from, events: replay.shared.events, jobs: replay.expect });

  let written = { events: 0, frames: 0 };
  const replayAll = () => {
    written = { events: 0, frames: 0 };
    const byJob = new Map<number, Subscription[]>();
    for (const s of subs) byJob.set(s.job, [...(byJob.get(s.job) ?? []), s]);
    for (const s of byJob.get(-1) ?? []) {
      for (const line of replay.shared.lines) {
        if (line.index < s.from || s.socket.destroyed) continue;
        s.socket.write(line.text);
        written.events += line.events;
        if (line.events) written.frames++;
      }
    }
    // One write per line, in Raft order across subscriptions, as Nomad's broker publishes them.
    for (const line of replay.lines) {
      for (const s of byJob.get(line.job) ?? []) {
        if (line.index < s.from || s.socket.destroyed) continue;
        s.socket.write(line.text);
        written.events += line.events;
        if (line.events) written.frames++;
      }
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/v1/event/stream') {
      const topics = url.searchParams.getAll('topic');
      const namespace = topics.every((t) => !t.includes(':') || t.endsWith(':*'));
      const keys = new Set(topics.map((t) => t.slice(t.indexOf(':') + 1)));
      const job = namespace ? -1 : jobNumber.get([...keys][0] ?? '');
      const kinds = topics
        .map((t) => t.split(':')[0])
        .sort()
        .join(',');
      if ((!namespace && keys.size !== 1) || job === undefined || kinds !== 'Allocation,Evaluation,Job') {
        res.writeHead(400).end(`this stand-in serves the Job, Allocation and Evaluation topics of one job or of every job, not ${topics.join(' ')}`);
        return;
      }
      // Nomad 1.11 hijacks the connection: an unframed "HTTP/0.0" answer, then `{}` at once, then the frames.
      const socket = req.socket;
      socket.setNoDelay(true);
      socket.write('HTTP/0.0 200 OK\r\nCache-Control: no-cache\r\nContent-Type: application/json\r\nVary: Accept-Encoding\r\n\r\n{}\n');
      const sub: Subscription = { job, from: Number(url.searchParams.get('index') ?? 0), socket };
      subs.add(sub);
      socket.on('close', () => subs.delete(sub));
      return;
    }
    if (path === '/bench/go') {
      res.writeHead(200).end();
      replayAll();
      return;
    }
    if (path === '/bench/expect') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(expectBody);
      return;
    }
    if (path === '/bench/subscriptions') {
      res.writeHead(200).end(String(subs.size));
      return;
    }
    // The list filters the inspector's bulk reads send; Nomad would apply any, this stand-in knows only this one.
    const filter = url.searchParams.get('filter');
    if ((path === '/v1/allocations' || path === '/v1/evaluations') && filter !== 'JobID matches "^devpod-"') {
      res.writeHead(400).end(`this stand-in answers ${path} only with filter=JobID matches "^devpod-", not ${filter}`);
      return;
    }
    const read = replay.reads.get(path === '/v1/jobs' && url.searchParams.get('meta') === 'true' ? '/v1/jobs?meta=true' : path);
    if (req.method === 'GET' && read) {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'X-Nomad-Index': String(read.index),
        'X-Nomad-Knownleader': 'true',
        'X-Nomad-Lastcontact': '0',
        Vary: 'Accept-Encoding',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      });
      res.end(gzip ? read.gzipped : read.body);
      return;
    }
    res.writeHead(404).end(`no ${path}`);
  });
  // Nomad (Go) listens with the system's somaxconn as its backlog; Node's default of 511 would drop SYNs of a burst of
  // connections (1,000 subscriptions, and the reads) and make them retry a second later.
  await new Promise<void>((ok, fail) => server.once('error', fail).listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => ok()));
  const { port } = server.address() as { port: number };
  return {
    address: `http://127.0.0.1:${port}`,
    subscriptions: () => subs.size,
    written: () => written,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        for (const s of subs) s.socket.destroy();
        server.close(() => ok());
      }),
  };
}
