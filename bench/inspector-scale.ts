// The inspector at scale: `inspect`/`watch` following 1,000 workspace jobs. A stand-in for Nomad's HTTP API on
// 127.0.0.1 serves the reads the inspector makes at start (the job list, then job, allocations and evaluations of
// each job) and replays, on each workspace's own event-stream subscription, the NDJSON Nomad 1.11 sends for a
// workspace's life: create, stop, start again, then stay running, stop, be purged, or crash-loop. The payloads have
// the field sets, key order, Raft-index pattern and line splitting of a stream captured from a Nomad 1.11.2 dev
// agent (the Job and Evaluation of one JobRegister apply arrive as two lines with the same Index; every key sorted;
// allocation payloads without the job), so the decoder, the adapter and the machines do their real work.
//
// Each contender runs in a fresh child process (an esbuild bundle of this file, so no TypeScript loader sits in its
// memory): ours is `startInspector` (what `inspect` and `watch` run) with a `watch`-style SSE client reading its
// feed; the baseline reads the same subscriptions with node:http + readline + JSON.parse and nothing else. Events/s
// is Nomad events delivered on the wire / (first replayed byte requested → last machine update); the child checks
// that every machine applied its last frame and reached the state the replay implies, so nothing is measured empty.
//
//   npx tsx bench/inspector-scale.ts          prints the Markdown section
//   BENCH_SCALE_WORKSPACES=… BENCH_SCALE_RUNS=…  override 1,000 workspaces / 5 runs
//   BENCH_SCALE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"  profiles the children's whole life
//   BENCH_SCALE_PROFILE=/tmp/prof  profiles the ingest alone (<mode>-<pid>.cpuprofile), and snapshots ours' heap after it
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, get as httpGet, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FeedMessage } from '../src/inspector/feed.js';
import { median } from './stats.js';

type Json = Record<string, unknown>;
type Event = { FilterKeys: string[] | null; Index: number; Key: string; Namespace: string; Payload: Json; Topic: string; Type: string };

const CHILD_FLAG = '--inspector-scale-child';
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

const ev = (Topic: string, Type: string, Key: string, FilterKeys: string[] | null, Payload: Json): Omit<Event, 'Index'> =>
  ({ FilterKeys, Key, Namespace: NS, Payload, Topic, Type });

const resources = (cpu: number, mem: number, disk: number, memMax: number) =>
  ({ CPU: cpu, Cores: 0, Devices: null, DiskMB: disk, IOPS: 0, MemoryMB: mem, MemoryMaxMB: memMax, NUMA: null, Networks: null, SecretsMB: 0 });

const restartPolicy = { Attempts: 3, Delay: 5000000000, Interval: 600000000000, Mode: 'fail', RenderTemplates: false };

function jobSpec(id: string, name: string) {
  return {
    Affinities: null, AllAtOnce: false, Constraints: null, ConsulNamespace: '', CreateIndex: 0, Datacenters: ['*'],
    DispatchIdempotencyToken: '', Dispatched: false, ID: id, JobModifyIndex: 0,
    Meta: { 'devpod.machine-id': name, 'devpod.provider-version': '0.1.0' },
    ModifyIndex: 0, Multiregion: null, Name: id, Namespace: NS, NodePool: 'default', NomadTokenID: '', ParameterizedJob: null,
    ParentID: '', Payload: null, Periodic: null, Priority: 50, Region: 'global', Spreads: null, Stable: false, Status: 'pending',
    StatusDescription: '', Stop: false, SubmitTime: 0,
    TaskGroups: [{
      Affinities: null, Constraints: null, Consul: null, Count: 1, Disconnect: null,
      EphemeralDisk: { Migrate: false, SizeMB: 300, Sticky: true }, MaxClientDisconnect: null, Meta: null,
      Migrate: { HealthCheck: 'checks', HealthyDeadline: 300000000000, MaxParallel: 1, MinHealthyTime: 10000000000 },
      Name: 'workspace', Networks: null, PreventRescheduleOnLost: false,
      ReschedulePolicy: { Attempts: 0, Delay: 30000000000, DelayFunction: 'exponential', Interval: 0, MaxDelay: 3600000000000, Unlimited: false },
      RestartPolicy: restartPolicy, Scaling: null, Services: null, ShutdownDelay: null, Spreads: null, StopAfterClientDisconnect: null,
      Tasks: [{
        Actions: null, Affinities: null, Artifacts: null, CSIPluginConfig: null, Config: { args: ['infinity'], command: '/bin/sleep' },
        Constraints: null, Consul: null, DispatchPayload: null, Driver: 'raw_exec', Env: null, Identities: null,
        Identity: { Audience: ['nomadproject.io'], ChangeMode: '', ChangeSignal: '', Env: false, File: false, Filepath: '', Name: 'default', ServiceName: '', TTL: 0 },
        KillSignal: '', KillTimeout: 10000000000, Kind: '', Leader: false, Lifecycle: null,
        LogConfig: { Disabled: false, MaxFileSizeMB: 10, MaxFiles: 10 }, Meta: null, Name: 'workspace',
        Resources: resources(200, 512, 0, 0), RestartPolicy: restartPolicy, ScalingPolicies: null, Schedule: null, Secrets: null,
        Services: null, ShutdownDelay: 0, Templates: null, User: '', Vault: null, VolumeMounts: null,
      }],
      Update: { AutoPromote: false, AutoRevert: false, Canary: 0, HealthCheck: 'checks', HealthyDeadline: 300000000000, MaxParallel: 1, MinHealthyTime: 10000000000, ProgressDeadline: 600000000000, Stagger: 30000000000 },
      Volumes: null,
    }],
    Type: 'service', UI: null,
    Update: { AutoPromote: false, AutoRevert: false, Canary: 0, HealthCheck: '', HealthyDeadline: 0, MaxParallel: 1, MinHealthyTime: 0, ProgressDeadline: 0, Stagger: 30000000000 },
    VaultNamespace: '', Version: 0, VersionTag: null,
  };
}

function taskEvent(Type: string, Time: number, o: { display: string; details?: Record<string, string>; message?: string; exitCode?: number; signal?: number; failsTask?: boolean; restartReason?: string; killTimeout?: number; startDelay?: number }) {
  return {
    Details: o.details ?? {}, DiskLimit: 0, DisplayMessage: o.display, DownloadError: '', DriverError: '', DriverMessage: '',
    ExitCode: o.exitCode ?? 0, FailedSibling: '', FailsTask: o.failsTask ?? false, GenericSource: '', KillError: '', KillReason: '',
    KillTimeout: o.killTimeout ?? 0, Message: o.message ?? '', RestartReason: o.restartReason ?? '', SetupError: '', Signal: o.signal ?? 0,
    StartDelay: o.startDelay ?? 0, TaskSignal: '', TaskSignalReason: '', Time, Type, ValidationError: '', VaultError: '',
  };
}
type TaskEventJson = ReturnType<typeof taskEvent>;

const te = {
  received: (t: number) => taskEvent('Received', t, { display: 'Task received by client' }),
  setup: (t: number) => taskEvent('Task Setup', t, { display: 'Building Task Directory', details: { message: 'Building Task Directory' }, message: 'Building Task Directory' }),
  started: (t: number) => taskEvent('Started', t, { display: 'Task started by client' }),
  killing: (t: number) => taskEvent('Killing', t, { display: 'Sent interrupt. Waiting 10s before force killing', details: { kill_timeout: '10s' }, killTimeout: 10000000000 }),
  terminated: (t: number, code: number, signal = 0) => taskEvent('Terminated', t, {
    display: signal ? `Exit Code: ${code}, Signal: ${signal}` : `Exit Code: ${code}`,
    details: { signal: String(signal), oom_killed: 'false', exit_code: String(code) }, exitCode: code, signal,
  }),
  killed: (t: number) => taskEvent('Killed', t, { display: 'Task successfully killed' }),
  restarting: (t: number) => taskEvent('Restarting', t, {
    display: 'Task restarting in 5.12s', details: { restart_reason: 'Restart within policy', start_delay: '5120000000' },
    restartReason: 'Restart within policy', startDelay: 5120000000,
  }),
  notRestarting: (t: number) => taskEvent('Not Restarting', t, {
    display: 'Exceeded allowed attempts 3 in interval 10m0s and mode is "fail"',
    details: { fails_task: 'true', restart_reason: 'Exceeded allowed attempts 3 in interval 10m0s and mode is "fail"' }, failsTask: true,
    restartReason: 'Exceeded allowed attempts 3 in interval 10m0s and mode is "fail"',
  }),
  unhealthy: (t: number) => taskEvent('Alloc Unhealthy', t, { display: 'Unhealthy because of failed task', details: { message: 'Unhealthy because of failed task' }, message: 'Unhealthy because of failed task' }),
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
const fateOf = (i: number): Fate => (['running', 'running', 'running', 'running', 'running', 'running', 'stopped', 'stopped', 'purged', 'crashloop'] as const)[i % 10]!;

/** A step of one workspace's life: the lines (each a list of events) Nomad writes for one Raft apply. */
interface Step {
  /** A client allocation update: batched with other jobs' into one apply. */
  client?: boolean;
  run(index: number, now: number): Omit<Event, 'Index'>[][];
}

function makeEval(ws: Ws, index: number, now: number, triggeredBy: string, o: { jobModifyIndex?: number; deploymentId?: string } = {}): Json {
  return {
    CreateIndex: index, CreateTime: now, DeploymentID: o.deploymentId, ID: uuid(), JobID: ws.id, JobModifyIndex: o.jobModifyIndex,
    ModifyIndex: index, ModifyTime: now, Namespace: NS, Priority: 50, Status: 'pending', TriggeredBy: triggeredBy, Type: 'service',
  };
}

function completeEval(ws: Ws, index: number, now: number, place: number, stop: number, ignore = 0): Json {
  const e = ws.evalNow!;
  const withDeployment = e.TriggeredBy !== 'job-deregister' || place + stop > 0;
  ws.evalNow = {
    CreateIndex: e.CreateIndex, CreateTime: e.CreateTime, DeploymentID: withDeployment ? ws.deployment?.ID : undefined, ID: e.ID, JobID: ws.id,
    JobModifyIndex: e.JobModifyIndex, ModifyIndex: index, ModifyTime: now, Namespace: NS,
    PlanAnnotations: withDeployment
      ? { DesiredTGUpdates: { workspace: { Canary: 0, DestructiveUpdate: 0, Disconnect: 0, Ignore: ignore, InPlaceUpdate: 0, Migrate: 0, Place: place, Preemptions: 0, Reconnect: 0, RescheduleLater: 0, RescheduleNow: 0, Stop: stop } }, PreemptedAllocs: null }
      : { DesiredTGUpdates: {}, PreemptedAllocs: null },
    Priority: 50, QueuedAllocations: withDeployment ? { workspace: 0 } : undefined, SnapshotIndex: e.CreateIndex, Status: 'complete', TriggeredBy: e.TriggeredBy, Type: 'service',
  };
  return ws.evalNow;
}

const allocKeys = (ws: Ws) => [ws.id, String(ws.deployment?.ID ?? '')];
const evalKeys = (ws: Ws) => [ws.id, String(ws.evalNow?.DeploymentID ?? '')];

function setJob(ws: Ws, o: Partial<ReturnType<typeof jobSpec>>) {
  ws.job = { ...ws.job, ...o };
  return ws.job;
}

function deployment(ws: Ws, index: number, now: number, status: string, description: string, healthy: number, unhealthy: number): Json & { ID: string } {
  const d = ws.deployment;
  ws.deployment = {
    CreateIndex: d?.CreateIndex ?? index, CreateTime: d?.CreateTime ?? now, EvalPriority: 50, ID: d?.ID ?? uuid(), IsMultiregion: false,
    JobCreateIndex: ws.job.CreateIndex, JobID: ws.id, JobModifyIndex: ws.job.JobModifyIndex, JobSpecModifyIndex: ws.job.JobModifyIndex,
    JobVersion: ws.job.Version, ModifyIndex: index, ModifyTime: now, Namespace: NS, Status: status, StatusDescription: description,
    TaskGroups: { workspace: {
      AutoPromote: false, AutoRevert: false, DesiredCanaries: 0, DesiredTotal: 1, HealthyAllocs: healthy, PlacedAllocs: 1, PlacedCanaries: null,
      ProgressDeadline: 600000000000, Promoted: false, RequireProgressBy: iso(now + 600e9), UnhealthyAllocs: unhealthy,
    } },
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
        return [[ev('Job', 'JobRegistered', ws.id, null, { Job: job })], [ev('Evaluation', 'JobRegistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })]];
      }
      const dead = setJob(ws, { ...common, Status: 'dead' });
      const pending = setJob(ws, { Status: 'pending' });
      return [
        [ev('Job', 'JobRegistered', ws.id, null, { Job: dead })],
        [ev('Evaluation', 'JobRegistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow }), ev('Job', 'JobRegistered', ws.id, null, { Job: pending })],
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
        AllocatedResources: { Shared: { DiskMB: 300, Networks: null, Ports: null }, TaskLifecycles: { workspace: null }, Tasks: { workspace: { Cpu: { CpuShares: 200, ReservedCores: null }, Devices: null, Memory: { MemoryMB: 512, MemoryMaxMB: 0 }, Networks: null } } },
        ClientDescription: undefined, ClientStatus: 'pending', CreateIndex: index, CreateTime: now, DeploymentID: d.ID, DeploymentStatus: undefined,
        DesiredDescription: undefined, DesiredStatus: 'run', EvalID: e.ID, ID: id, JobID: ws.id,
        Metrics: {
          AllocationTime: 120720, ClassExhausted: null, ClassFiltered: null, CoalescedFailures: 0, ConstraintFiltered: null, DimensionExhausted: null,
          NodePool: 'default', NodesAvailable: { dc1: 1 }, NodesEvaluated: 1, NodesExhausted: 0, NodesFiltered: 0, NodesInPool: 1, QuotaExhausted: null,
          ResourcesExhausted: null,
          ScoreMetaData: [{ NodeID: NODE_ID, NormScore: 0.061184349395775134, Scores: { binpack: 0.061184349395775134, 'job-anti-affinity': 0, 'node-reschedule-penalty': 0, 'node-affinity': 0 } }],
          Scores: null,
        },
        ModifyIndex: index, ModifyTime: now, Name: `${ws.id}.workspace[0]`, Namespace: NS, NetworkStatus: undefined, NodeID: NODE_ID, NodeName: NODE_NAME,
        Resources: resources(200, 512, 300, 512), SharedResources: resources(0, 0, 300, 0), SigningKeyID: '597425e0-12a2-c8cd-1e9c-413748a4e035',
        TaskGroup: 'workspace', TaskResources: { workspace: resources(200, 512, 0, 0) }, TaskStates: undefined,
      };
      const job = setJob(ws, { ModifyIndex: index, Status: 'running' });
      return [[
        ev('Evaluation', 'PlanResult', String(e.ID), evalKeys(ws), { Evaluation: e }),
        ev('Deployment', 'PlanResult', d.ID, [ws.id], { Deployment: d }),
        ev('Allocation', 'PlanResult', id, allocKeys(ws), { Allocation: ws.alloc }),
        ev('Job', 'PlanResult', ws.id, null, { Job: job }),
      ]];
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
const taskPending = (ws: Ws) => clientStep((index, now) => {
  ws.task = { Events: [te.received(now - 20e6), te.setup(now - 10e6)], Failed: false, FinishedAt: null, LastRestart: null, Paused: '', Restarts: 0, StartedAt: null, State: 'pending' };
  return [ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), { Allocation: allocUpdate(ws, index, now, { ClientDescription: 'No tasks have started', NetworkStatus: netStatus }) })];
});

const taskRunning = (ws: Ws) => clientStep((index, now) => {
  pushTaskEvents(ws, te.started(now));
  Object.assign(ws.task!, { State: 'running', StartedAt: iso(now) });
  return [ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), { Allocation: allocUpdate(ws, index, now, { ClientStatus: 'running', ClientDescription: 'Tasks are running', NetworkStatus: netStatus }) })];
});

/** The client reports the allocation healthy after min_healthy_time (10 s); the deployment counts it. */
const healthy = (ws: Ws) => clientStep((index, now) => {
  const a = allocUpdate(ws, index, now, { DeploymentStatus: { Canary: false, Healthy: true, ModifyIndex: index, Timestamp: iso(now) } });
  const d = deployment(ws, index, now, 'running', 'Deployment is running', 1, 0);
  return [ev('Deployment', 'AllocationUpdated', d.ID, [ws.id], { Deployment: d }), ev('Allocation', 'AllocationUpdated', a.ID, allocKeys(ws), { Allocation: a })];
});

/** The deployment watcher marks the deployment successful, which marks the job version stable. */
function deploymentDone(ws: Ws): Step {
  return {
    run(index, now) {
      const d = deployment(ws, index, now, 'successful', 'Deployment completed successfully', 1, 0);
      return [[ev('Deployment', 'DeploymentStatusUpdate', d.ID, [ws.id], { Deployment: d }), ev('Job', 'DeploymentStatusUpdate', ws.id, null, { Job: setJob(ws, { ModifyIndex: index, Stable: true }) })]];
    },
  };
}

/** JobDeregister without purge: the job is rewritten with Stop=true in the same apply (ModifyIndex == Index). */
function deregister(ws: Ws): Step {
  return {
    run(index, now) {
      const job = setJob(ws, { Stop: true, Status: 'running', ModifyIndex: index, JobModifyIndex: index, Version: ws.job.Version + 1, SubmitTime: now, Stable: false });
      ws.evalNow = makeEval(ws, index, now, 'job-deregister', { jobModifyIndex: index });
      return [[ev('Job', 'JobDeregistered', ws.id, null, { Job: job })], [ev('Evaluation', 'JobDeregistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })]];
    },
  };
}

function planStop(ws: Ws): Step {
  return {
    run(index, now) {
      const e: Json = { ...ws.evalNow!, ModifyIndex: index };
      ws.evalNow = e;
      const d = deployment(ws, index, now, 'cancelled', 'Cancelled because job is stopped', 1, 0);
      const a = allocUpdate(ws, index, now, { AllocModifyIndex: index, DesiredStatus: 'stop', DesiredDescription: 'alloc not needed due to job update' });
      return [[
        ev('Deployment', 'PlanResult', d.ID, [ws.id], { Deployment: d }),
        ev('Evaluation', 'PlanResult', String(e.ID), evalKeys(ws), { Evaluation: e }),
        ev('Allocation', 'PlanResult', a.ID, allocKeys(ws), { Allocation: a }),
        ev('Job', 'PlanResult', ws.id, null, { Job: setJob(ws, { ModifyIndex: index, Status: 'pending' }) }),
      ]];
    },
  };
}

const taskKilled = (ws: Ws) => clientStep((index, now) => {
  pushTaskEvents(ws, te.killing(now - 30e6), te.terminated(now - 5e6, 130, 2), te.killed(now));
  Object.assign(ws.task!, { State: 'dead', FinishedAt: iso(now) });
  return [ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), { Allocation: allocUpdate(ws, index, now, { ClientStatus: 'complete', ClientDescription: 'All tasks have completed' }) })];
});

/** A terminal allocation's last sync from the client (Nomad 1.11 sends one more update after the terminal one). */
const resync = (ws: Ws) => clientStep((index, now) =>
  [ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), { Allocation: allocUpdate(ws, index, now) })]);

/** JobDeregister with purge: the payload is the deleted row, its ModifyIndex below the event's Index. */
function purge(ws: Ws): Step {
  return {
    run(index, now) {
      const job = ws.job;
      ws.evalNow = makeEval(ws, index, now, 'job-deregister', { jobModifyIndex: index });
      return [[ev('Job', 'JobDeregistered', ws.id, null, { Job: job })], [ev('Evaluation', 'JobDeregistered', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })]];
    },
  };
}

/** The task exits 1 and the restart policy (3 attempts, mode fail) restarts it. */
const taskCrashed = (ws: Ws) => clientStep((index, now) => {
  const restarts = ws.task!.Restarts + 1;
  pushTaskEvents(ws, te.terminated(now - 10e6, 1), te.restarting(now));
  Object.assign(ws.task!, { State: 'pending', Restarts: restarts, LastRestart: iso(now) });
  return [ev('Allocation', 'AllocationUpdated', ws.alloc!.ID, allocKeys(ws), { Allocation: allocUpdate(ws, index, now, { ClientDescription: 'Tasks are running' }) })];
});

/** The last exit: not restarting, the allocation failed and unhealthy, the deployment too; the job is dead. */
function taskFailed(ws: Ws): Step {
  return clientStep((index, now) => {
    pushTaskEvents(ws, te.terminated(now - 30e6, 1), te.notRestarting(now - 20e6), te.unhealthy(now));
    Object.assign(ws.task!, { State: 'dead', Failed: true, FinishedAt: iso(now) });
    const a = allocUpdate(ws, index, now, { ClientStatus: 'failed', ClientDescription: 'Failed tasks', DeploymentStatus: { Canary: false, Healthy: false, ModifyIndex: index, Timestamp: iso(now) } });
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
        return [[ev('Deployment', 'DeploymentStatusUpdate', d.ID, [ws.id], { Deployment: d }), ev('Evaluation', 'DeploymentStatusUpdate', String(ws.evalNow.ID), evalKeys(ws), { Evaluation: ws.evalNow })]];
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
  const phases: Step[][] = [up(), down(), ws.fate === 'crashloop'
    ? [register(ws), place(ws), evalDone(ws, 1, 0), taskPending(ws), taskRunning(ws), taskCrashed(ws), taskRunning(ws), taskCrashed(ws), taskRunning(ws), taskCrashed(ws), taskRunning(ws), taskFailed(ws), ...deploymentFailed(ws)]
    : up()];
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
  // newer than the failed allocation, which derive() (src/machines/view.ts) reads as "pending": accepted here,
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
    jobIds: wss.map((w) => w.id), lines: [], reads: new Map(), expect: {}, from: BASE_INDEX + 1,
    events: 0, frames: 0, heartbeats: 0, bytes: 0, clusterEvents: 0, sameIndexLines: 0, sameIndexEvents: 0,
  };
  const lastIndexOf = new Map<number, number>();
  const heartbeat = Buffer.from('{}\n');
  let index = BASE_INDEX;
  let clock = t0;

  const emit = (lines: Omit<Event, 'Index'>[][], idx: number) => {
    for (const line of lines) {
      replay.clusterEvents += line.length;
      const perJob = new Map<number, Event[]>();
      for (const e of line) {
        const full = { ...e, Index: idx } as Event;
        for (const n of subscribers(e, jobNumber)) perJob.set(n, [...(perJob.get(n) ?? []), full]);
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
        replay.reads.set('/v1/jobs', readAnswer(wss.map((w) => ({
          CreateIndex: w.job.CreateIndex, Datacenters: ['*'], ID: w.id, JobModifyIndex: w.job.JobModifyIndex,
          JobSummary: { Children: { Dead: 0, Pending: 0, Running: 0 }, CreateIndex: w.job.CreateIndex, JobID: w.id, ModifyIndex: w.job.CreateIndex, Namespace: NS, Summary: { workspace: { Complete: 0, Failed: 0, Lost: 0, Queued: 1, Running: 0, Starting: 0, Unknown: 0 } } },
          ModifyIndex: w.job.ModifyIndex, Multiregion: null, Name: w.id, Namespace: NS, NodePool: 'default', ParameterizedJob: false, ParentID: '',
          Periodic: false, Priority: 50, Status: 'pending', StatusDescription: '', Stop: false, SubmitTime: w.job.SubmitTime, Type: 'service',
        })), index));
        for (const w of wss) {
          replay.reads.set(`/v1/job/${w.id}`, readAnswer(w.job, w.job.ModifyIndex));
          // Nomad answers a job's allocation and evaluation lists with the whole table's index.
          replay.reads.set(`/v1/job/${w.id}/allocations`, readAnswer([], BASE_INDEX));
          replay.reads.set(`/v1/job/${w.id}/evaluations`, readAnswer([w.evalNow], index));
        }
      }
    }
    // Quiet until the next phase: Nomad's heartbeat on every subscription that had something in this one.
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
  job: number;
  from: number;
  socket: Socket;
}

interface FakeNomad {
  address: string;
  /** Open event-stream subscriptions. */
  subscriptions(): number;
  /** Events and lines written by the last replay, over all subscriptions. */
  written(): { events: number; frames: number };
  close(): Promise<void>;
}

async function serveReplay(replay: Replay): Promise<FakeNomad> {
  const jobNumber = new Map(replay.jobIds.map((id, n) => [id, n]));
  const subs = new Set<Subscription>();
  const expectBody = JSON.stringify({ from: replay.from, jobs: replay.expect });

  let written = { events: 0, frames: 0 };
  const replayAll = () => {
    written = { events: 0, frames: 0 };
    const byJob = new Map<number, Subscription[]>();
    for (const s of subs) byJob.set(s.job, [...(byJob.get(s.job) ?? []), s]);
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
      const keys = new Set(topics.map((t) => t.slice(t.indexOf(':') + 1)));
      const job = jobNumber.get([...keys][0] ?? '');
      const kinds = topics.map((t) => t.split(':')[0]).sort().join(',');
      if (keys.size !== 1 || job === undefined || kinds !== 'Allocation,Evaluation,Job') {
        res.writeHead(400).end(`this stand-in serves one job's Job, Allocation and Evaluation topics, not ${topics.join(' ')}`);
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
    const read = replay.reads.get(path);
    if (req.method === 'GET' && read) {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, {
        'Content-Type': 'application/json', 'X-Nomad-Index': String(read.index), 'X-Nomad-Knownleader': 'true', 'X-Nomad-Lastcontact': '0',
        Vary: 'Accept-Encoding', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
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
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      for (const s of subs) s.socket.destroy();
      server.close(() => ok());
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The children: one contender each, in a fresh process, reporting one JSON line on stdout.

export interface ChildResult {
  mode: 'ours' | 'baseline';
  workspaces: number;
  /** Nomad events and NDJSON lines received on the subscriptions during the replay. */
  events: number;
  frames: number;
  /** Start → every workspace hydrated and subscribed (job list, 3 reads per job, one stream each). */
  hydrateMs?: number;
  /** Replay requested → every machine applied its last frame. */
  ingestMs: number;
  /** CPU time (user + system) the process spent in that span: the figure other load on the machine inflates least. */
  ingestCpuMs: number;
  /** CPU time to hydrate. */
  hydrateCpuMs?: number;
  /** Replay requested → the SSE client (`watch`) has every step. */
  sseMs?: number;
  sseSteps?: number;
  peakRss: number;
  peakHeap: number;
  /** The process with its modules loaded, before it follows anything, after a full GC. */
  startHeap?: number;
  startRss?: number;
  /** Hydrated and subscribed, before the replay, after a full GC. */
  hydratedHeap?: number;
  hydratedRss?: number;
  /** After the ingest and a full GC: what 1,000 followed workspaces keep. */
  retainedHeap: number;
  retainedRss: number;
  finals: Record<string, number>;
  crashloopPending?: number;
}

const now = () => performance.now();
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`, or a failure naming what did not happen within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`inspector-scale: ${what()} within ${ms / 1000} s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function fetchText(url: string, method = 'GET'): Promise<string> {
  return new Promise((ok, fail) => {
    const req = httpRequest(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => ok(body));
    });
    req.on('error', fail).end();
  });
}

function memorySampler() {
  const peak = { rss: 0, heap: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      // maxRSS (KiB) is the kernel's high-water mark: it also sees peaks between samples.
      return { peakRss: Math.max(peak.rss, process.resourceUsage().maxRSS * 1024), peakHeap: peak.heap };
    },
  };
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 120_000, everyMs = 2): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await cond())) {
    if (now() > deadline) throw new Error(`inspector-scale: timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

/** With BENCH_SCALE_PROFILE=<dir>: a V8 CPU profile of one phase, written to <dir>/<phase>-<pid>.cpuprofile. */
async function profileIngest(): Promise<{ stop(mode: string): Promise<void> }> {
  const dir = process.env.BENCH_SCALE_PROFILE;
  if (!dir) return { stop: async () => undefined };
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return {
    async stop(mode) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${mode}-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function childOurs(addr: string): Promise<ChildResult> {
  const mem = memorySampler();
  const { jobs: expect } = JSON.parse(await fetchText(`${addr}/bench/expect`)) as { jobs: Record<string, Expectation> };
  const ids = Object.keys(expect);
  // The code `inspect` and `watch` run: config from the environment, every devpod-* job, one machine each.
  const { startInspector } = await import('../src/cli/inspect.js');
  const { formatStep } = await import('../src/cli/watch.js');
  const { createParser } = await import('eventsource-parser');
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage();
  const hydrateProfile = await profileIngest();
  const t0 = now();
  const c0 = process.cpuUsage();
  const { feed, server } = await startInspector([], 0);
  const views = () => (feed.hello() as Extract<FeedMessage, { event: 'hello' }>).data.workspaces;

  // `watch`: the feed over SSE, parsed with eventsource-parser, one formatted line per transition.
  let sseSteps = 0;
  let printed = 0;
  const ctl = new AbortController();
  const parser = createParser({
    onEvent: (m) => {
      if (m.event !== 'step') return;
      sseSteps++;
      const s = JSON.parse(m.data);
      if (s.from !== s.to) printed += formatStep(s).length + 1;
    },
  });
  const sse = (async () => {
    const res = await fetch(new URL('events', server.url), { signal: ctl.signal, headers: { Accept: 'text/event-stream' } });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  })().catch((err: Error) => {
    if (!ctl.signal.aborted) throw err;
  });

  const tally = () => {
    const by: Record<string, number> = {};
    for (const w of views()) {
      const key = `${w.state}${w.reason && w.state === 'unreachable' ? ` (${w.reason})` : ''}`;
      by[key] = (by[key] ?? 0) + 1;
    }
    return JSON.stringify(by);
  };
  await waitFor(() => views().every((w) => w.state !== 'hydrating'), () => `hydration: ${tally()}`, 300_000, 5);
  if (views().some((w) => w.state === 'unreachable')) throw new Error(`inspector-scale: hydration failed: ${tally()}`);
  await waitFor(async () => Number(await fetchText(`${addr}/bench/subscriptions`)) === ids.length, () => `the subscriptions: ${tally()}`, 60_000, 5);
  const hydrateMs = now() - t0;
  const hydrateCpuMs = cpuMs(process.cpuUsage(c0));
  await hydrateProfile.stop('hydrate');
  // Let the SSE client take in the hydration steps: nothing moves until the replay starts.
  let seen = -1;
  await waitFor(() => {
    const quiet = sseSteps === seen;
    seen = sseSteps;
    return quiet;
  }, 'the SSE client to settle', 30_000, 100);
  (globalThis as { gc?: () => void }).gc?.();
  const hydrated = process.memoryUsage();

  let feedSteps = 0;
  let remaining = ids.length;
  const reached = new Set<string>();
  let allApplied!: () => void;
  const applied = new Promise<void>((r) => (allApplied = r));
  feed.subscribe((m) => {
    if (m.event !== 'step') return;
    feedSteps++;
    const s = m.data;
    if (s.index >= expect[s.jobId]!.last && !reached.has(s.jobId)) {
      reached.add(s.jobId);
      if (--remaining === 0) allApplied();
    }
  });
  const stepsBefore = sseSteps;
  const profile = await profileIngest();
  const tGo = now();
  const cGo = process.cpuUsage();
  await fetchText(`${addr}/bench/go`, 'POST');
  await within(applied, 300_000, () => `${remaining} of ${ids.length} machines did not apply their last frame (${tally()})`);
  const ingestMs = now() - tGo;
  const ingestCpuMs = cpuMs(process.cpuUsage(cGo));
  await profile.stop('ours');
  await waitFor(() => sseSteps - stepsBefore >= feedSteps, 'the SSE client');
  const sseMs = now() - tGo;

  // Verify: every machine applied its last frame and is where the replay leads.
  const finals: Record<string, number> = {};
  let crashloopPending = 0;
  const problems: string[] = [];
  for (const w of views()) {
    const e = expect[w.jobId]!;
    finals[w.state] = (finals[w.state] ?? 0) + 1;
    const lastIndex = w.steps.at(-1)?.index ?? 0;
    const visited = new Set<string>(w.steps.flatMap((s) => [s.from, s.to]));
    if (!e.final.includes(w.state)) problems.push(`${w.jobId} ended ${w.state}, expected ${e.final.join(' or ')}`);
    if (lastIndex !== e.last) problems.push(`${w.jobId} applied up to index ${lastIndex}, its stream ends at ${e.last}`);
    const missed = e.visit.filter((s) => !visited.has(s));
    if (missed.length) problems.push(`${w.jobId} never was ${missed.join(', ')}`);
    if (e.final.includes('failed') && w.state === 'pending') crashloopPending++;
  }
  if (views().length !== ids.length) problems.push(`${views().length} workspaces followed, expected ${ids.length}`);
  if (problems.length) throw new Error(`inspector-scale: the machines did not follow the replay:\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  … ${problems.length - 10} more` : ''}`);

  const { peakRss, peakHeap } = mem.stop();
  (globalThis as { gc?: () => void }).gc?.();
  const retained = process.memoryUsage();
  if (process.env.BENCH_SCALE_PROFILE) (await import('node:v8')).writeHeapSnapshot(join(process.env.BENCH_SCALE_PROFILE, `ours-${process.pid}.heapsnapshot`));
  ctl.abort();
  await sse;
  feed.stop();
  await server.close();
  void printed;
  return {
    mode: 'ours', workspaces: ids.length, events: 0, frames: 0, hydrateMs, hydrateCpuMs, ingestMs, ingestCpuMs, sseMs, sseSteps: sseSteps - stepsBefore,
    peakRss, peakHeap, startHeap: start.heapUsed, startRss: start.rss, hydratedHeap: hydrated.heapUsed, hydratedRss: hydrated.rss, retainedHeap: retained.heapUsed, retainedRss: retained.rss, finals, crashloopPending,
  };
}

/** The floor: the same subscriptions, node:http + readline + JSON.parse, no adapter, no decoder, no machines. */
async function childBaseline(addr: string): Promise<ChildResult> {
  const mem = memorySampler();
  const { from, jobs: expect } = JSON.parse(await fetchText(`${addr}/bench/expect`)) as { from: number; jobs: Record<string, Expectation> };
  const ids = Object.keys(expect);
  let events = 0;
  let frames = 0;
  let remaining = ids.length;
  let allRead!: () => void;
  const read = new Promise<void>((r) => (allRead = r));
  const reqs = ids.map((id) => {
    const q = new URLSearchParams([['topic', `Job:${id}`], ['topic', `Allocation:${id}`], ['topic', `Evaluation:${id}`], ['index', String(from)]]);
    const req = httpGet(`${addr}/v1/event/stream?${q}`, { insecureHTTPParser: true }, (res) => {
      const last = expect[id]!.last;
      createInterface({ input: res, crlfDelay: Infinity }).on('line', (line) => {
        if (!line) return;
        const f = JSON.parse(line) as { Index?: number; Events?: unknown[] };
        if (!f.Events) return;
        events += f.Events.length;
        frames++;
        if (f.Index === last && --remaining === 0) allRead();
      });
    });
    req.on('error', () => undefined);
    return req;
  });
  await waitFor(async () => Number(await fetchText(`${addr}/bench/subscriptions`)) === ids.length, 'subscriptions');
  const profile = await profileIngest();
  const tGo = now();
  const cGo = process.cpuUsage();
  await fetchText(`${addr}/bench/go`, 'POST');
  await within(read, 300_000, () => `${remaining} of ${ids.length} subscriptions did not deliver their last frame`);
  const ingestMs = now() - tGo;
  const ingestCpuMs = cpuMs(process.cpuUsage(cGo));
  await profile.stop('baseline');
  const { peakRss, peakHeap } = mem.stop();
  (globalThis as { gc?: () => void }).gc?.();
  const retained = process.memoryUsage();
  for (const r of reqs) r.destroy();
  return { mode: 'baseline', workspaces: ids.length, events, frames, ingestMs, ingestCpuMs, peakRss, peakHeap, retainedHeap: retained.heapUsed, retainedRss: retained.rss, finals: {} };
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: builds the replay, serves it, runs the contenders interleaved, writes the section.

const here = dirname(fileURLToPath(import.meta.url));

/** This file bundled with esbuild (like dist/), so the children run plain JavaScript without a TypeScript loader. */
async function bundleChild(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(dir, 'inspector-scale-child.mjs');
  await build({
    entryPoints: [join(here, 'inspector-scale.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['esbuild', 'bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

function runChild(bundle: string, mode: ChildResult['mode'], addr: string, cwd: string): Promise<ChildResult> {
  return new Promise((ok, fail) => {
    // A clean environment: NOMAD_ADDR only, so no NOMAD_TOKEN or NODE_OPTIONS of the caller leaks in.
    // BENCH_SCALE_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the children.
    const flags = (process.env.BENCH_SCALE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, ['--expose-gc', ...flags, bundle, CHILD_FLAG, mode, addr], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, NOMAD_ADDR: addr, ...(process.env.BENCH_SCALE_PROFILE ? { BENCH_SCALE_PROFILE: resolve(process.env.BENCH_SCALE_PROFILE) } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', fail);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) ok(JSON.parse(last) as ChildResult);
      else fail(new Error(`inspector-scale ${mode} child exited ${code}:\n${err.trim() || out.trim()}`));
    });
  });
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const kps = (events: number, ms: number) => events / (ms / 1000);
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export interface ScaleOptions {
  workspaces?: number;
  runs?: number;
}

export async function benchInspectorScale(log: (m: string) => void, opts: ScaleOptions = {}): Promise<string> {
  const workspaces = opts.workspaces ?? Number(process.env.BENCH_SCALE_WORKSPACES ?? 1000);
  const runs = opts.runs ?? Number(process.env.BENCH_SCALE_RUNS ?? 5);
  let t = now();
  const replay = buildReplay(workspaces);
  log(`bench: inspector scale: replay of ${thousands(replay.events)} events in ${thousands(replay.frames)} lines (${mb(replay.bytes)}) for ${workspaces} workspaces, built in ${(now() - t).toFixed(0)} ms`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-inspector-scale-'));
  const nomad = await serveReplay(replay);
  const ours: ChildResult[] = [];
  const base: ChildResult[] = [];
  try {
    t = now();
    const bundle = await bundleChild(dir);
    log(`bench: inspector scale: child bundled in ${(now() - t).toFixed(0)} ms; ${runs} runs each, interleaved`);
    for (let i = 0; i < runs; i++) {
      for (const mode of ['ours', 'baseline'] as const) {
        await waitFor(() => nomad.subscriptions() === 0, 'the previous run to disconnect', 30_000);
        const r = await runChild(bundle, mode, nomad.address, dir);
        const sent = nomad.written();
        if (sent.events !== replay.events) throw new Error(`inspector-scale: ${sent.events} events sent, the replay has ${replay.events}`);
        // Ours verified in the child that every machine applied its last frame; the baseline counted what it parsed.
        if (mode === 'ours') Object.assign(r, sent);
        else if (r.events !== sent.events) throw new Error(`inspector-scale: the baseline read ${r.events} events of ${sent.events}`);
        (mode === 'ours' ? ours : base).push(r);
        log(`  ${mode}: ${thousands(kps(r.events, r.ingestMs))} events/s (${r.ingestMs.toFixed(0)} ms, ${r.ingestCpuMs.toFixed(0)} ms CPU), peak RSS ${mb(r.peakRss)}, peak heap ${mb(r.peakHeap)}` +
          (r.hydrateMs !== undefined ? `, hydrate ${r.hydrateMs.toFixed(0)} ms (${r.hydrateCpuMs!.toFixed(0)} ms CPU), SSE done at ${r.sseMs!.toFixed(0)} ms` : '') +
          `; heap/RSS ${r.hydratedHeap ? `hydrated ${mb(r.hydratedHeap)}/${mb(r.hydratedRss!)}, ` : ''}after ${mb(r.retainedHeap)}/${mb(r.retainedRss)}`);
      }
    }
  } finally {
    await nomad.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const med = (rs: ChildResult[], f: (r: ChildResult) => number) => median(rs.map(f));
  const n = workspaces.toLocaleString('en-US');
  const oursRate = med(ours, (r) => kps(r.events, r.ingestMs));
  const baseRate = med(base, (r) => kps(r.events, r.ingestMs));
  const oursRss = med(ours, (r) => r.peakRss);
  const finals = ours[0]!.finals;
  const crashloops = replay.jobIds.filter((_, i) => fateOf(i) === 'crashloop').length;
  const pendingAfterCrash = ours[0]!.crashloopPending ?? 0;
  const row = (label: string, a: string, b: string) => `| ${label} | ${a} | ${b} |`;
  const ms = (x: number) => `${thousands(x)} ms`;
  const heapRss = (rs: ChildResult[], heap: (r: ChildResult) => number, rss: (r: ChildResult) => number) => `${mb(med(rs, heap))} / ${mb(med(rs, rss))}`;
  return `## Inspector at scale (issue: inspector scale)\n\n` +
    `${n} workspace jobs followed by the code \`inspect\` and \`watch\` run (\`startInspector\`: the job list, then per job ` +
    `one read each of the job, its allocations and its evaluations, and its own event-stream subscription; one xstate ` +
    `machine per job; the SSE feed read by a \`watch\`-style client), against a stand-in for Nomad's HTTP API on 127.0.0.1 ` +
    `that replays Nomad 1.11's NDJSON. Each workspace is created, stopped and started again; then 60 % stay running, ` +
    `20 % are stopped, 10 % deleted (purged) and 10 % crash-loop (3 restarts, then failed). Payloads, key order, Raft ` +
    `indexes and line splitting follow a stream captured from a Nomad 1.11.2 dev agent; reads are gzipped as Nomad ` +
    `gzips them, and the stream is Nomad 1.11's unframed "HTTP/0.0" answer. The replay is ${thousands(replay.events)} ` +
    `events in ${thousands(replay.frames)} NDJSON lines plus ${thousands(replay.heartbeats)} \`{}\` heartbeats, ` +
    `${mb(replay.bytes)} on the wire (about ${thousands(replay.bytes / replay.events)} bytes an event; Nomad's unfiltered ` +
    `stream would carry ${thousands(replay.clusterEvents)} events, the topic filters leave these). Once all ${n} ` +
    `subscriptions are live it is sent as fast as the sockets take it; events/s is events / (replay requested → last ` +
    `machine update). Each contender runs in a fresh process (this bench bundled with esbuild, as dist/ is); the ` +
    `baseline reads the same ${n} subscriptions with node:http, readline and JSON.parse and nothing else. Median of ` +
    `${runs} runs each, interleaved; the CPU rows (user + system time of the process) are the ones other load on the ` +
    `machine inflates least.\n\n` +
    `| measure | ours: inspect + watch | baseline: readline + JSON.parse |\n|---|---|---|\n` +
    `${row('**events ingested / s**', `**${thousands(oursRate)}**`, thousands(baseRate))}\n` +
    `${row('events per CPU-second', thousands(med(ours, (r) => kps(r.events, r.ingestCpuMs))), thousands(med(base, (r) => kps(r.events, r.ingestCpuMs))))}\n` +
    `${row('replay requested → last machine update (CPU)', `${ms(med(ours, (r) => r.ingestMs))} (${ms(med(ours, (r) => r.ingestCpuMs))})`, `${ms(med(base, (r) => r.ingestMs))} (${ms(med(base, (r) => r.ingestCpuMs))}), last line parsed`)}\n` +
    `${row('replay requested → last step read by the SSE client', `${ms(med(ours, (r) => r.sseMs!))} (${thousands(ours[0]!.sseSteps!)} steps)`, '—')}\n` +
    `${row(`time to hydrate ${n}: list, ${thousands(3 * workspaces)} reads, ${n} subscriptions live (CPU)`, `${ms(med(ours, (r) => r.hydrateMs!))} (${ms(med(ours, (r) => r.hydrateCpuMs!))})`, '—')}\n` +
    `${row('**peak RSS** (the process\'s whole life)', `**${mb(oursRss)}**`, mb(med(base, (r) => r.peakRss)))}\n` +
    `${row('peak heap used (sampled every 10 ms)', mb(med(ours, (r) => r.peakHeap)), mb(med(base, (r) => r.peakHeap)))}\n` +
    `${row('heap / RSS with the modules loaded, following nothing yet (after a full GC)', heapRss(ours, (r) => r.startHeap!, (r) => r.startRss!), '—')}\n` +
    `${row(`heap / RSS following ${n} hydrated workspaces, before any event (after a full GC)`, heapRss(ours, (r) => r.hydratedHeap!, (r) => r.hydratedRss!), '—')}\n` +
    `${row('heap / RSS after the replay (after a full GC)', heapRss(ours, (r) => r.retainedHeap, (r) => r.retainedRss), heapRss(base, (r) => r.retainedHeap, (r) => r.retainedRss))}\n\n` +
    `- Goal ≥ 50,000 events/s: **${oursRate >= 50_000 ? 'met' : 'missed'}** (${thousands(oursRate)}); goal RSS < 150 MB: ` +
    `**${oursRss < 150 * 2 ** 20 ? 'met' : 'missed'}** (peak ${mb(oursRss)}). Ours takes ${(baseRate / oursRate).toFixed(1)}× ` +
    `the baseline's time; the baseline's own peak RSS is what ${n} sockets receiving the replay at full speed cost.\n` +
    `- Checked in every run: each of the ${n} machines applied its stream's last frame, passed through the states its ` +
    `replay implies and ended where it should: ${Object.entries(finals).sort().map(([s, c]) => `${c} ${s}`).join(', ')}.` +
    (pendingAfterCrash ? ` ${pendingAfterCrash} of the ${crashloops} crash-looped workspaces went failed, then back to pending ` +
      `when Nomad's deployment watcher evaluated the failed deployment (an evaluation newer than the failed allocation, ` +
      `which \`derive\` reads as waiting for the scheduler).` : '') + '\n' +
    (replay.sameIndexLines ? `- ${thousands(replay.sameIndexLines)} lines (${thousands(replay.sameIndexEvents)} events) repeat the Index ` +
      `of the line before them, as Nomad 1.11 writes a JobRegister's or JobDeregister's job and evaluation; they are decoded ` +
      `and counted, but the machine (src/machines/workspace.ts applyFrame) applies only frames above the last Index, so those events never reach it; later events supersede them.\n` : '');
}

// ---------------------------------------------------------------------------------------------------------------

/** Run as `npx tsx bench/inspector-scale.ts` (not imported by bench/run.ts). */
function invokedDirectly(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (process.argv[2] === CHILD_FLAG) {
  const [mode, addr] = process.argv.slice(3) as [ChildResult['mode'], string];
  (mode === 'ours' ? childOurs(addr) : childBaseline(addr)).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
} else if (invokedDirectly()) {
  const section = await benchInspectorScale((m) => process.stderr.write(`${m}\n`));
  process.stdout.write(section);
}
