// NOMAD_PORTS=devcontainer: the devcontainer's own forwardPorts, published as the ports of its job. DevPod's custom
// driver gets no forwardPorts field; they reach us in the `devcontainer.metadata` label of the run options, the
// merged metadata (image, features, devcontainer.json) DevPod puts on every devcontainer it runs. DevPod reads port
// labels under the key `portAttributes` (pkg/devcontainer/config/config.go), not the spec's `portsAttributes`,
// which never reaches a driver (both DevPod CLIs, native-devpod.test.ts); both are read, in case a fork fixes it.
// `appPort` is not in that metadata (DevPod leaves it out of it), so it cannot be published from here.
import { PORT_LABEL, type PortSpec } from '../adapters/config/ports.js';
import type { RunOptions } from './run-options.js';

const METADATA_LABEL = 'devcontainer.metadata=';

interface MetadataEntry {
  forwardPorts?: unknown;
  portAttributes?: Record<string, { label?: unknown }>;
  portsAttributes?: Record<string, { label?: unknown }>;
}

function metadata(opts: RunOptions): MetadataEntry[] {
  const label = (opts.labels ?? []).find((l) => l.startsWith(METADATA_LABEL));
  if (!label) return [];
  try {
    const parsed: unknown = JSON.parse(label.slice(METADATA_LABEL.length));
    return (Array.isArray(parsed) ? parsed : [parsed]).filter((e): e is MetadataEntry => Boolean(e) && typeof e === 'object');
  } catch {
    return [];
  }
}

/** A portsAttributes label as a port label: lower-cased, other characters as -, or undefined when nothing is left. */
function asLabel(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return PORT_LABEL.test(label) ? label : undefined;
}

/**
 * The devcontainer's forwardPorts as ports to publish, and a sentence for each entry that is not one: a
 * "service:port" entry forwards another container's port (docker compose), which this workspace does not have.
 */
export function devcontainerPorts(opts: RunOptions): { ports: PortSpec[]; skipped: string[] } {
  const entries = metadata(opts);
  const names: Record<string, unknown> = {};
  for (const e of entries) for (const [port, a] of Object.entries({ ...e.portAttributes, ...e.portsAttributes })) names[port] ??= a?.label;
  const ports: PortSpec[] = [];
  const skipped: string[] = [];
  for (const e of entries) {
    const list = Array.isArray(e.forwardPorts) ? e.forwardPorts : e.forwardPorts === undefined ? [] : [e.forwardPorts];
    for (const raw of list) {
      const m = /^(?:(?:localhost|127\.0\.0\.1):)?(\d+)$/.exec(String(raw));
      const port = m ? Number(m[1]) : Number.NaN;
      if (!(port >= 1 && port <= 65535)) {
        skipped.push(`forwardPorts entry ${JSON.stringify(raw)} is not a port of the devcontainer itself: not published`);
        continue;
      }
      if (ports.some((p) => p.port === port)) continue;
      const named = asLabel(names[String(port)]);
      const label = named && !ports.some((p) => p.label === named) ? named : `p${port}`;
      ports.push({ label, port });
    }
  }
  return { ports, skipped };
}
