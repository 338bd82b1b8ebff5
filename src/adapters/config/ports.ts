// Schema of the Ports group (catalog/ports.ts): which workspace ports are published as Nomad-native services, on
// which client host network, with which tags, and the ingress domain their URLs are shown under. Every one of these
// is the person's own (trust.ts): a published port is reachable by anyone with network reach to the node.
import * as z from './zod.js';
import type { OptionReader } from './reader.js';

export interface PortSpec {
  /** Names the Nomad port and its service: [a-z0-9-], unique in the list. */
  label: string;
  /** The port the app listens on in the workspace (docker/podman map the host port to it). */
  port: number;
}

export interface PortsConfig {
  /** The ports, or `devcontainer`: the native devcontainer's forwardPorts, resolved when DevPod passes them. */
  ports: PortSpec[] | 'devcontainer';
  /** A client `host_network` to take the host ports from (NOMAD_PORTS_HOST_NETWORK); unset = the default network. */
  hostNetwork?: string;
  /** Tag templates with ${WORKSPACE}, ${LABEL}, ${PORT}, ${SERVICE}, ${HOST} (jobspec/ports.ts fills them in). */
  tags: string[];
  /** NOMAD_INGRESS_DOMAIN, as host[:port]: each port's URL is http://<service>.<domain>. */
  ingressDomain?: string;
}

export const PORT_LABEL = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const EXPECTED_PORTS = 'a comma-separated list of [label=]port, e.g. web=3000,api=8080 (labels a-z, 0-9 and -; ports 1-65535), or devcontainer';
const TAG_PLACEHOLDERS = ['WORKSPACE', 'LABEL', 'PORT', 'SERVICE', 'HOST'];

/** `web=3000,8080` → its entries, or every problem with it (each naming the entry). */
export function parsePortList(text: string): { ports: PortSpec[]; problems: string[] } {
  const ports: PortSpec[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',').map((e) => e.trim())) {
    if (!raw) {
      problems.push('an empty entry');
      continue;
    }
    const m = /^(?:([^=]*)=)?\s*(\d+)$/.exec(raw);
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || !(port >= 1 && port <= 65535)) {
      problems.push(`${JSON.stringify(raw)} has no port from 1 to 65535`);
      continue;
    }
    const label = m[1] === undefined ? `p${port}` : m[1].trim();
    if (!PORT_LABEL.test(label)) {
      problems.push(
        `label ${JSON.stringify(label)} is not lower-case a-z, 0-9 and - (at most 32 characters, starting and ending with a letter or digit)`,
      );
      continue;
    }
    if (ports.some((p) => p.label === label)) {
      problems.push(`label ${JSON.stringify(label)} is used twice`);
      continue;
    }
    ports.push({ label, port });
  }
  return { ports, problems };
}

/** Tags: a JSON list of strings (for tags that hold commas), else comma-separated. */
function parseTags(r: OptionReader): string[] {
  const raw = r.text('NOMAD_SERVICE_TAGS');
  if (!raw) return [];
  let tags: string[];
  if (raw.startsWith('[')) {
    tags = r.json('NOMAD_SERVICE_TAGS', 'a JSON list of tag strings, or tags separated by commas', () => z.array(z.string())) ?? [];
  } else tags = raw.split(',').map((t) => t.trim());
  for (const tag of tags) {
    const unknown = [...tag.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!).filter((n) => !TAG_PLACEHOLDERS.includes(n));
    if (!tag) r.problems.push(r.describe('NOMAD_SERVICE_TAGS', raw, 'tags separated by commas, none of them empty'));
    else if (unknown.length)
      r.problems.push(
        r.describe(
          'NOMAD_SERVICE_TAGS',
          raw,
          `tags whose placeholders are ${TAG_PLACEHOLDERS.map((p) => `\${${p}}`).join(', ')} (not \${${unknown[0]}})`,
        ),
      );
  }
  return tags.filter(Boolean);
}

/** The Ports group; undefined when NOMAD_PORTS is empty (nothing published, the job as without this feature). */
export function readPorts(r: OptionReader): PortsConfig | undefined {
  const text = r.text('NOMAD_PORTS');
  const hostNetwork = r.text('NOMAD_PORTS_HOST_NETWORK') || undefined;
  if (hostNetwork && !/^[A-Za-z0-9_.-]+$/.test(hostNetwork))
    r.problems.push(r.describe('NOMAD_PORTS_HOST_NETWORK', hostNetwork, 'the name of a host_network of the Nomad clients, e.g. private'));
  const tags = parseTags(r);
  const domain = r.text('NOMAD_INGRESS_DOMAIN') || undefined;
  if (domain && !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?(:\d{1,5})?$/i.test(domain))
    r.problems.push(r.describe('NOMAD_INGRESS_DOMAIN', domain, 'a DNS domain your ingress serves, optionally with :port, e.g. devpod.example.com'));
  if (!text) {
    for (const name of ['NOMAD_PORTS_HOST_NETWORK', 'NOMAD_SERVICE_TAGS', 'NOMAD_INGRESS_DOMAIN'])
      if (r.text(name))
        r.problems.push(
          `${name} is set but NOMAD_PORTS is empty: expected NOMAD_PORTS to name the ports to publish too (devpod provider set-options -o NOMAD_PORTS=web=3000)`,
        );
    return undefined;
  }
  if (text === 'devcontainer') return { ports: 'devcontainer', hostNetwork, tags, ingressDomain: domain };
  const { ports, problems } = parsePortList(text);
  if (problems.length) r.problems.push(r.describe('NOMAD_PORTS', text, `${EXPECTED_PORTS} (${problems.join('; ')})`));
  return { ports, hostNetwork, tags, ingressDomain: domain };
}
