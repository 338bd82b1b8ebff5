// What a person needs to see about one workspace, in a few plain lines (DevPod's `machine describe` prints them as
// they are): the job and namespace, state and reason, allocation, node and address, driver and image, resources,
// volume, and since when. Only the job's shape is shown: never its environment, templates or driver auth.
import { TASK } from '../adapters/jobspec/workspace-job.js';
import type { Allocation, NomadJob, NomadNode, NomadTask } from '../adapters/nomad/types.js';
import { observe, type WorkspaceReport } from './observe.js';
import { portsOf } from './ports.js';
import type { Workspace } from './types.js';

export interface DescribeFacts {
  report: WorkspaceReport;
  namespace: string;
  job?: NomadJob;
  alloc?: Allocation;
  node?: NomadNode;
  /** Why the node could not be read (e.g. a token without node read). */
  nodeError?: string;
  /** NOMAD_INGRESS_DOMAIN, for the published ports' URLs. */
  ingressDomain?: string;
}

const iso = (ms: number | undefined) =>
  ms !== undefined && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
const fromNs = (ns: unknown) => (typeof ns === 'number' ? iso(ns / 1e6) : undefined);
const fromText = (t: string | null | undefined) => (t && !t.startsWith('0001-') ? iso(Date.parse(t)) : undefined);

function workspaceTask(job: NomadJob): { task?: NomadTask; group?: NonNullable<NomadJob['TaskGroups']>[number] } {
  for (const group of job.TaskGroups ?? []) {
    const task = group.Tasks.find((t) => t.Name === TASK) ?? group.Tasks[0];
    if (task) return { task, group };
  }
  return {};
}

/** When the current state began, from what Nomad recorded for it. */
function since(f: DescribeFacts): string | undefined {
  const ts = f.alloc?.TaskStates ?? {};
  const tasks = Object.values(ts);
  switch (f.report.state) {
    case 'running':
      return fromText((ts[TASK] ?? tasks[0])?.StartedAt);
    case 'scheduled':
    case 'restarting':
      return fromNs(f.alloc?.CreateTime);
    case 'stopped':
    case 'failed': {
      const ended = tasks
        .map((t) => fromText(t.FinishedAt))
        .filter((t): t is string => t !== undefined)
        .sort()
        .pop();
      return ended ?? fromNs(f.job?.SubmitTime);
    }
    case 'pending':
      return fromNs(f.job?.SubmitTime);
    default:
      return undefined;
  }
}

function resources(task: NomadTask, group: NonNullable<NomadJob['TaskGroups']>[number] | undefined): string {
  const r = (task.Resources ?? {}) as {
    CPU?: number;
    Cores?: number;
    MemoryMB?: number;
    MemoryMaxMB?: number;
    Devices?: { Name: string; Count?: number }[];
  };
  const parts = [
    r.Cores ? `${r.Cores} cores` : `${r.CPU ?? '?'} MHz CPU`,
    `${r.MemoryMB ?? '?'} MB memory${r.MemoryMaxMB ? ` (up to ${r.MemoryMaxMB} MB)` : ''}`,
  ];
  const disk = (group?.EphemeralDisk as { SizeMB?: number } | undefined)?.SizeMB;
  if (disk) parts.push(`${disk} MB disk`);
  for (const d of r.Devices ?? []) parts.push(`${d.Count ?? 1} × ${d.Name}`);
  return parts.join(', ');
}

function volume(task: NomadTask, group: NonNullable<NomadJob['TaskGroups']>[number] | undefined): string {
  const mounts = (task.VolumeMounts ?? []) as { Volume: string; Destination: string; ReadOnly?: boolean }[];
  const decls = (group?.Volumes ?? {}) as Record<string, { Type?: string; Source?: string; ReadOnly?: boolean }>;
  if (!mounts.length) return "none (files live on the task's ephemeral disk)";
  return mounts
    .map((m) => {
      const v = decls[m.Volume];
      return `${v?.Type ?? '?'} volume ${v?.Source ?? m.Volume} at ${m.Destination}${m.ReadOnly || v?.ReadOnly ? ' (read-only)' : ''}`;
    })
    .join('; ');
}

/** The lines `describe` prints. Pure: the facts are read by describeWorkspace. */
export function describeLines(f: DescribeFacts): string[] {
  const r = f.report;
  const lines = [
    `job:        ${r.jobId} (namespace ${f.namespace}${f.job?.Region ? `, region ${f.job.Region}` : ''}${f.job?.Type ? `, ${f.job.Type}` : ''})`,
  ];
  const when = since(f);
  lines.push(`state:      ${r.status} (${r.state})${when ? ` since ${when}` : ''}`);
  if (r.reason && (r.state !== 'running' || r.overdue)) lines.push(`reason:     ${r.reason}`);
  if (!f.job) return lines;
  if (r.allocId) {
    const address = f.node?.Attributes?.['unique.network.ip-address'] ?? f.node?.HTTPAddr;
    const where = address ? `, address ${address}` : f.nodeError ? ` (address unknown: ${f.nodeError})` : '';
    lines.push(`allocation: ${r.allocId} on node ${f.node?.Name ?? r.node ?? f.alloc?.NodeName ?? '?'}${where}`);
  }
  const { task, group } = workspaceTask(f.job);
  if (task) {
    const image = typeof task.Config?.image === 'string' ? `, image ${task.Config.image}` : ' (no image: runs on the client host)';
    lines.push(`driver:     ${task.Driver}${image}`);
    lines.push(`resources:  ${resources(task, group)}`);
    lines.push(`volume:     ${volume(task, group)}`);
  }
  // Published ports (NOMAD_PORTS), while the allocation runs: where to open each without SSH.
  if (f.alloc && r.state === 'running')
    for (const p of portsOf(f.alloc, r.jobId, f.ingressDomain))
      lines.push(`port:       ${p.label} (${p.port}) at ${p.address}${p.url ? `, ${p.url}` : ''} (service ${p.service})`);
  return lines;
}

/** Reads the workspace (one observation, the job, its allocation and node) and describes it. */
export async function describeWorkspace(ws: Workspace): Promise<string[]> {
  const report = await observe(ws);
  const namespace = ws.config.connection.namespace ?? 'default';
  if (report.state === 'notFound') return describeLines({ report, namespace });
  const job = (await ws.nomad.jobs.read(ws.jobId)).data;
  const alloc = report.allocId ? (await ws.nomad.allocations.read(report.allocId)).data : undefined;
  let node: NomadNode | undefined;
  let nodeError: string | undefined;
  if (alloc?.NodeID) {
    try {
      node = (await ws.nomad.nodes.read(alloc.NodeID)).data;
    } catch (err) {
      nodeError = err instanceof Error ? err.message : String(err);
    }
  }
  return describeLines({ report, namespace, job, alloc, node, nodeError, ingressDomain: ws.config.ports?.ingressDomain });
}
