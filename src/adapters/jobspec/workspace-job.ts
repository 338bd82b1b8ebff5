// A DevPod workspace → the Nomad job it runs as.
import { createHash } from 'node:crypto';
import type { ProviderConfig } from '../config.js';
import type { NomadJob } from '../nomad/types.js';
import { taskDriver } from './drivers.js';

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
  const clean = machineId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const base = `devpod-${clean || 'workspace'}`;
  if (base === `devpod-${machineId}` && base.length <= MAX_JOB_ID) return base;
  const hash = createHash('sha256').update(machineId).digest('hex').slice(0, 8);
  return `${base.slice(0, MAX_JOB_ID - 9).replace(/-+$/, '')}-${hash}`;
}

export const META = {
  machineId: 'devpod.machine-id',
  machineFolder: 'devpod.machine-folder',
  workspaceId: 'devpod.workspace-id',
  providerVersion: 'devpod.provider-version',
} as const;

export function buildWorkspaceJob(req: WorkspaceRequest, cfg: ProviderConfig): NomadJob {
  const id = jobIdFor(req.machineId);
  const driver = taskDriver(cfg.driver);
  const meta: Record<string, string> = { [META.machineId]: req.machineId, [META.providerVersion]: req.providerVersion };
  if (req.machineFolder) meta[META.machineFolder] = req.machineFolder;
  if (req.workspaceId) meta[META.workspaceId] = req.workspaceId;
  return {
    ID: id,
    Name: id,
    Type: 'service',
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
        EphemeralDisk: { SizeMB: cfg.diskMB, Sticky: true, Migrate: false },
        Tasks: [
          {
            Name: TASK,
            Driver: driver.name,
            Config: driver.config(cfg),
            Resources: { CPU: cfg.cpuMHz, MemoryMB: cfg.memoryMB },
            KillTimeout: 10e9,
            Meta: {},
          },
        ],
      },
    ],
  };
}
