// The published ports of a running workspace (NOMAD_PORTS, jobspec/ports.ts) as `status --output json` and
// `describe` show them: each label's workspace port, the host address Nomad gave it, and the ingress URL. Read from
// the running allocation, whose ports are the ones its services were registered with; a stopped workspace has none
// (stop deregisters the services, start gets new host ports).
import { ingressUrl, PORTS_META, serviceName } from '../adapters/jobspec/ports.js';
import { GROUP } from '../adapters/jobspec/workspace-job.js';
import { portsChange, withCurrentPorts } from '../adapters/jobspec/ports-refresh.js';
import type { Allocation, NomadJob } from '../adapters/nomad/types.js';
import type { WorkspaceReport } from './observe.js';
import type { Workspace } from './types.js';

export interface PublishedPort {
  label: string;
  /**
   * The workspace port as NOMAD_PORTS (or forwardPorts) names it. docker and podman forward the address to it; on
   * exec, raw_exec and nspawn nothing forwards, and the app listens on the address's port ($NOMAD_PORT_<label>).
   */
  port: number;
  /** host:port on the node, reachable without SSH. */
  address: string;
  /** The Nomad-native service that lists it. */
  service: string;
  /** http://<service>.<NOMAD_INGRESS_DOMAIN>, with NOMAD_INGRESS_DOMAIN. */
  url?: string;
}

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** `web=3000,api=8080` → label → port, from the group meta the job was made with. */
function askedPorts(alloc: Allocation): Map<string, number> {
  const group = alloc.Job?.TaskGroups?.find((g) => g.Name === (alloc.TaskGroup ?? GROUP)) ?? alloc.Job?.TaskGroups?.[0];
  const meta = (group?.Meta as Record<string, string> | null | undefined)?.[PORTS_META] ?? '';
  return new Map(
    meta
      .split(',')
      .map((e) => e.split('='))
      .filter((kv): kv is [string, string] => kv.length === 2)
      .map(([label, port]) => [label, Number(port)]),
  );
}

/** Pure: the published ports of `alloc`, for the workspace job `jobId`. */
export function portsOf(alloc: Allocation, jobId: string, ingressDomain?: string): PublishedPort[] {
  const asked = askedPorts(alloc);
  return (alloc.AllocatedResources?.Shared?.Ports ?? [])
    .filter((p) => asked.has(p.Label))
    .map((p) => {
      const service = serviceName(jobId, p.Label);
      const url = ingressUrl(ingressDomain, service);
      return {
        label: p.Label,
        port: asked.get(p.Label)!,
        address: hostPort(p.HostIP, p.Value),
        service,
        ...(url ? { url } : {}),
      };
    });
}

/** The published ports of the workspace while it runs; empty otherwise, and when it publishes none. */
export async function publishedPortsOf(ws: Workspace, report: WorkspaceReport): Promise<PublishedPort[]> {
  if (report.state !== 'running' || !report.allocId) return [];
  const alloc = (await ws.nomad.allocations.read(report.allocId)).data;
  return alloc ? portsOf(alloc, ws.jobId, ws.config.ports?.ingressDomain) : [];
}

/**
 * After create or start, one stderr line per published port, so `devpod up` shows where the app will answer. Costs
 * nothing without NOMAD_PORTS; a failed read only leaves the lines out (the workspace runs either way).
 */
export async function announcePorts(ws: Workspace): Promise<void> {
  if (!ws.config.ports) return;
  try {
    const allocs = (await ws.nomad.jobs.allocations(ws.jobId)).data ?? [];
    const live = allocs.find((a) => a.DesiredStatus === 'run' && a.ClientStatus === 'running');
    const alloc = live && (await ws.nomad.allocations.read(live.ID)).data;
    for (const p of alloc ? portsOf(alloc, ws.jobId, ws.config.ports.ingressDomain) : [])
      ws.log(`${ws.jobId}: port ${p.label} (${p.port}) published at ${p.address}${p.url ? `, ${p.url}` : ''}`);
  } catch (err) {
    ws.log(
      `${ws.jobId}: the published ports could not be read (${err instanceof Error ? err.message : String(err)}); status --output json lists them`,
    );
  }
}

/**
 * The kept job as `start` registers it again: its published ports brought to the current options
 * (jobspec/ports-refresh.ts: tags, host network and all), saying so when the ports changed, so that unsetting
 * NOMAD_PORTS closes them. A job without ports started without NOMAD_PORTS is registered exactly as it was kept.
 */
export function withCurrentPortsLogged(ws: Workspace, job: NomadJob): NomadJob {
  const change = portsChange(job, ws.config);
  if (!change || (!change.was && !change.now)) return job;
  if (change.was !== change.now)
    ws.log(`${ws.jobId}: published ports now ${change.now || 'none'} (were ${change.was || 'none'}), as NOMAD_PORTS says`);
  return withCurrentPorts(job, ws.config);
}
