// NOMAD_PORTS → the group's network and services: a dynamic host port per published workspace port, and a
// Nomad-native service for each (provider "nomad", Nomad 1.3+; checks tcp/http only), so a port is reachable
// without an SSH session and an ingress (Traefik's Nomad provider) can route to it. Drivers that map ports
// (docker, podman) map the host port `To` the workspace port and list the labels in their config (drivers/);
// exec, raw_exec and nspawn share the node's network and map nothing, so the app listens on $NOMAD_PORT_<label>.
import { createHash } from 'node:crypto';
import type { PortSpec, PortsConfig, ProviderConfig } from '../config/index.js';
import { ConfigError } from '../config/index.js';

/** Group meta: label=port,…, what status and describe read back (on exec/raw_exec no `To` in the job carries it). */
export const PORTS_META = 'devpod_ports';
const MAX_SERVICE_NAME = 63;

/** The ports as resolved; `devcontainer` here means native mode has not filled them in (a machine job). */
export function publishedPorts(cfg: ProviderConfig): PortSpec[] {
  const ports = cfg.ports?.ports;
  if (ports === 'devcontainer')
    throw new ConfigError([
      'NOMAD_PORTS=devcontainer is for the native provider (nomadnative), where the devcontainer is the Nomad task: with the machine provider, name the ports, e.g. NOMAD_PORTS=web=3000 (devpod provider set-options)',
    ]);
  return ports ?? [];
}

/** The workspace part of names and hosts: the job id without `devpod-` (the machine id, or dc-<devcontainer>). */
export const workspaceSlug = (jobId: string) => jobId.replace(/^devpod-/, '');

/** `<label>-<workspace>`, an RFC 1123 label as Nomad requires of service names (hashed when it would be too long). */
export function serviceName(jobId: string, label: string): string {
  const name = `${label}-${workspaceSlug(jobId)}`;
  if (name.length <= MAX_SERVICE_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_SERVICE_NAME - 9).replace(/-+$/, '')}-${hash}`;
}

/** Where an ingress serves the port: `<service>.<domain>` (the domain's :port left out), or undefined without one. */
export const ingressHost = (domain: string | undefined, service: string) => (domain ? `${service}.${domain.replace(/:\d+$/, '')}` : undefined);
/** The URL a browser opens: http://<service>.<domain>, with the domain's :port if it has one. */
export const ingressUrl = (domain: string | undefined, service: string) => (domain ? `http://${service}.${domain}` : undefined);

/** NOMAD_SERVICE_TAGS with one port's values filled in. */
export function renderTags(cfg: PortsConfig, jobId: string, p: PortSpec): string[] {
  const service = serviceName(jobId, p.label);
  const values: Record<string, string> = {
    WORKSPACE: workspaceSlug(jobId),
    LABEL: p.label,
    PORT: String(p.port),
    SERVICE: service,
    HOST: ingressHost(cfg.ingressDomain, service) ?? service,
  };
  return cfg.tags.map((t) => t.replace(/\$\{([A-Z]+)\}/g, (_, k: string) => values[k] ?? ''));
}

/** `web=3000,api=8080`, as the group meta records it. */
export const formatPortsMeta = (ports: PortSpec[]) => ports.map((p) => `${p.label}=${p.port}`).join(',');

/** The group's Networks, Services and meta for the published ports; nothing when there are none. */
export function portsGroup(cfg: ProviderConfig, jobId: string, mapsPorts: boolean): Record<string, unknown> {
  const ports = publishedPorts(cfg);
  if (!ports.length || !cfg.ports) return {};
  const pc = cfg.ports;
  return {
    Networks: [
      {
        Mode: 'host',
        DynamicPorts: ports.map((p) => ({
          Label: p.label,
          // Without a mapping driver a `To` would only mislead: NOMAD_PORT_<label> would name a port nothing forwards.
          ...(mapsPorts ? { To: p.port } : {}),
          ...(pc.hostNetwork ? { HostNetwork: pc.hostNetwork } : {}),
        })),
      },
    ],
    Services: ports.map((p) => ({
      Name: serviceName(jobId, p.label),
      Provider: 'nomad',
      PortLabel: p.label,
      Tags: renderTags(pc, jobId, p),
      // Nomad-native checks are tcp or http; tcp asks only that the app accepts, whatever it speaks.
      Checks: [{ Name: `${p.label} accepts`, Type: 'tcp', Interval: 10e9, Timeout: 2e9 }],
    })),
    Meta: { [PORTS_META]: formatPortsMeta(ports) },
  };
}

/** The labels a mapping driver lists in its `ports` config. */
export const portLabels = (cfg: ProviderConfig): string[] =>
  cfg.ports?.ports === 'devcontainer' ? [] : (cfg.ports?.ports ?? []).map((p) => p.label);
