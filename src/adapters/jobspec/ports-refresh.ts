// `start` registers the kept job again; its published ports (ports.ts) are brought to the current options first, so
// that a person who unsets NOMAD_PORTS closes them at the next start instead of having them published on, and one
// who adds a port gets it without deleting the workspace. Only what the provider put in the job is replaced (the
// labels its group meta lists); a team template's own ports and services stay. NOMAD_PORTS=devcontainer keeps the
// job's: the devcontainer's forwardPorts are known only at `native run`.
import type { ProviderConfig } from '../config/index.js';
import type { NomadJob, NomadTask, NomadTaskGroup } from '../nomad/types.js';
import { taskDriver } from './drivers/index.js';
import { formatPortsMeta, PORTS_META, portsGroup, publishedPorts, serviceName } from './ports.js';
import { GROUP, TASK } from './workspace-job.js';

type Network = { DynamicPorts?: Array<{ Label: string }> | null; [key: string]: unknown };
type Service = { Name?: string; PortLabel?: string; Provider?: string; [key: string]: unknown };

const labelsIn = (meta: string | undefined) =>
  (meta ?? '')
    .split(',')
    .map((e) => e.split('=')[0]!)
    .filter(Boolean);

/** What the job publishes now and what the options ask for, as NOMAD_PORTS writes them ('' for none). */
export function portsChange(job: NomadJob, cfg: ProviderConfig): { was: string; now: string } | undefined {
  if (cfg.ports?.ports === 'devcontainer') return undefined;
  const group = job.TaskGroups?.find((g) => g.Name === GROUP) ?? job.TaskGroups?.[0];
  const was = (group?.Meta as Record<string, string> | null | undefined)?.[PORTS_META] ?? '';
  const now = formatPortsMeta(publishedPorts(cfg));
  return { was, now };
}

/** The job with the provider's published ports replaced by those of `cfg` (unchanged when devcontainer). */
export function withCurrentPorts(job: NomadJob, cfg: ProviderConfig): NomadJob {
  if (!portsChange(job, cfg)) return job;
  const groups = job.TaskGroups ?? [];
  const at = Math.max(
    0,
    groups.findIndex((g) => g.Name === GROUP),
  );
  const group = groups[at];
  if (!group) return job;
  const meta = { ...((group.Meta as Record<string, string> | null | undefined) ?? {}) };
  const old = new Set(labelsIn(meta[PORTS_META]));
  const task = group.Tasks.find((t) => t.Name === TASK) ?? group.Tasks[0];
  const maps = task ? taskDriver(task.Driver as never)?.mapsPorts === true : false;
  const fresh = portsGroup(cfg, job.ID, maps) as { Networks?: Network[]; Services?: Service[]; Meta?: Record<string, string> };

  const networks = ((group.Networks as Network[] | null | undefined) ?? []).map((n, i) =>
    i === 0 ? { ...n, DynamicPorts: (n.DynamicPorts ?? []).filter((p) => !old.has(p.Label)) } : n,
  );
  const ours = fresh.Networks?.[0]?.DynamicPorts ?? [];
  if (networks.length) networks[0] = { ...networks[0], DynamicPorts: [...(networks[0]!.DynamicPorts ?? []), ...ours] };
  else if (fresh.Networks) networks.push(...fresh.Networks);
  // A host network left with no port at all was only ours: gone, as in a job that never published one.
  const empty = (n: Network) =>
    !n.DynamicPorts?.length && !(n.ReservedPorts as unknown[] | null | undefined)?.length && !n.DNS && (!n.Mode || n.Mode === 'host');
  if (networks.length && old.size && empty(networks[0]!)) networks.shift();
  const services = ((group.Services as Service[] | null | undefined) ?? []).filter(
    (s) => !(s.Provider === 'nomad' && s.PortLabel && old.has(s.PortLabel) && s.Name === serviceName(job.ID, s.PortLabel)),
  );
  delete meta[PORTS_META];
  const next: NomadTaskGroup = {
    ...group,
    Networks: networks.length ? networks : null,
    Services: services.length || fresh.Services ? [...services, ...(fresh.Services ?? [])] : null,
    Meta: Object.keys(meta).length || fresh.Meta ? { ...meta, ...fresh.Meta } : null,
    Tasks: group.Tasks.map((t) => (t === task ? withPortLabels(t, old, maps ? publishedPorts(cfg).map((p) => p.label) : []) : t)),
  };
  return { ...job, TaskGroups: groups.map((g, i) => (i === at ? next : g)) };
}

/** The workspace task's `ports` driver config: the old labels out, the current ones in (docker, podman). */
function withPortLabels(task: NomadTask, old: Set<string>, labels: string[]): NomadTask {
  const config = { ...((task.Config as Record<string, unknown> | undefined) ?? {}) };
  const kept = ((config.ports as string[] | undefined) ?? []).filter((l) => !old.has(l));
  if (kept.length || labels.length) config.ports = [...kept, ...labels];
  else delete config.ports;
  return { ...task, Config: config };
}
