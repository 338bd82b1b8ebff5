// A DevPod workspace → the Nomad job it runs as.
import { createHash } from 'node:crypto';
import type { ProviderConfig } from '../config/index.js';
import type { NomadJob } from '../nomad/types.js';
import { WORKSPACE_META as META } from '../nomad/workspace-meta.js';
import { needConstraints, taskDriver } from './drivers/index.js';
import { idleKeepAlive } from './idle-stop.js';
import { portsGroup } from './ports.js';
import { registryAuthTemplates } from './registry-auth.js';
import { vaultFlow, vaultTask } from './vault.js';
import type { ClusterFacts } from '../nomad/version.js';
import { volumeBlock } from './volume.js';

export interface WorkspaceRequest {
  /** DevPod's MACHINE_ID. */
  machineId: string;
  machineFolder?: string;
  workspaceId?: string;
  providerVersion: string;
}

export const GROUP = 'workspace';
export const TASK = 'workspace';
const MAX_JOB_ID = 63;

/**
 * `devpod-<machine id>`, lower-cased to [a-z0-9-]. When that loses information (other characters, or too long), a
 * hash of the original id is appended so two machines never share a job.
 */
export function jobIdFor(machineId: string): string {
  const clean = machineId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const base = `devpod-${clean || 'workspace'}`;
  if (base === `devpod-${machineId}` && base.length <= MAX_JOB_ID) return base;
  const hash = createHash('sha256').update(machineId).digest('hex').slice(0, 8);
  return `${base.slice(0, MAX_JOB_ID - 9).replace(/-+$/, '')}-${hash}`;
}

function resources(cfg: ProviderConfig): Record<string, unknown> {
  const r: Record<string, unknown> = cfg.resources.cores ? { Cores: cfg.resources.cores } : { CPU: cfg.resources.cpuMHz };
  r.MemoryMB = cfg.resources.memoryMB;
  if (cfg.gpu) {
    r.Devices = [
      {
        Name: cfg.gpu.name,
        Count: cfg.gpu.count,
        ...(cfg.gpu.model ? { Constraints: [{ LTarget: '${device.model}', Operand: '=', RTarget: cfg.gpu.model }] } : {}),
      },
    ];
  }
  return r;
}

/** `cluster`: what the servers run (the Vault block's form depends on it); unknown means a current Nomad. */
export function buildWorkspaceJob(req: WorkspaceRequest, cfg: ProviderConfig, cluster: ClusterFacts = {}): NomadJob {
  const id = jobIdFor(req.machineId);
  const driver = taskDriver(cfg.driver);
  const meta: Record<string, string> = { [META.machineId]: req.machineId, [META.providerVersion]: req.providerVersion };
  if (req.machineFolder) meta[META.machineFolder] = req.machineFolder;
  if (req.workspaceId) meta[META.workspaceId] = req.workspaceId;
  const vol = volumeBlock(cfg, id);
  const vault = vaultTask(cfg, vaultFlow(cluster));
  const templates = [...((vault.Templates as unknown[] | undefined) ?? []), ...registryAuthTemplates(cfg, id)];
  // With INACTIVITY_TIMEOUT the main process ends (exit 0) at DevPod's inactivity shutdown (idle-stop.ts), and a
  // batch job then ends complete, i.e. stopped; a service job would restart the task, and Nomad lets a batch job
  // carry no update block (it makes no deployments either).
  const idleStops = cfg.inactivityTimeout !== undefined;
  const job: NomadJob = {
    ID: id,
    Name: id,
    Type: idleStops ? 'batch' : 'service',
    Namespace: cfg.connection.namespace,
    Region: cfg.connection.region,
    Datacenters: cfg.datacenters,
    Meta: meta,
    TaskGroups: [
      {
        Name: GROUP,
        Count: 1,
        // A workspace holds a user's state: restart it in place a few times, never move it silently elsewhere.
        RestartPolicy: { Attempts: 3, Interval: 10 * 60e9, Delay: 5e9, Mode: 'fail' },
        ReschedulePolicy: { Attempts: 0, Unlimited: false },
        // No deployments (max_parallel 0): one allocation has nothing to roll. And in Nomad 1.11 a deployment that
        // turns healthy after `stop` marks its job version stable by writing that version back as the current job
        // (state store updateJobStabilityImpl), un-stopping it: 20 concurrent stops lost one that way in 2 of 6 runs.
        ...(idleStops ? {} : { Update: { MaxParallel: 0 } }),
        EphemeralDisk: { SizeMB: cfg.resources.diskMB, Sticky: true, Migrate: false },
        ...vol.group,
        ...portsGroup(cfg, id, driver.mapsPorts === true),
        Tasks: [
          {
            Name: TASK,
            Driver: driver.name,
            Config: driver.config(cfg, idleStops ? idleKeepAlive(req.machineId) : undefined),
            Resources: resources(cfg),
            KillTimeout: 10e9,
            ...(cfg.taskUser ? { User: cfg.taskUser } : {}),
            ...(driver.needs?.(cfg).length ? { Constraints: needConstraints(driver.needs(cfg)) } : {}),
            ...vault,
            ...(templates.length ? { Templates: templates } : {}),
            ...vol.task,
          },
        ],
      },
    ],
  };
  if (cfg.nodePool) job.NodePool = cfg.nodePool;
  if (cfg.constraints.length) job.Constraints = cfg.constraints.map((c) => ({ LTarget: c.attribute, Operand: c.operator, RTarget: c.value }));
  return job;
}
