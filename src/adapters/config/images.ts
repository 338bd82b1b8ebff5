// Schema of the Images and registries group (catalog/images.ts): pulling from a private registry, the CAs mounted
// into the workspace, Docker access, and nspawn's own options. load.ts calls these readers in the order problems are
// listed; what each needs of NOMAD_DRIVER is in rules.ts.
import * as z from 'zod/mini';
import { oneOf, type OptionReader } from './reader.js';
import { hostSocketNeedsDocker, jobRegistryAuthNeedsImageDriver, nspawnCannot, nspawnConfigNeedsNspawn } from './rules.js';

export const DOCKER_ACCESS = ['none', 'host-socket'] as const;
export const REGISTRY_AUTH = ['client', 'job'] as const;

/** The paths the Go provider hard-codes, mounted when NOMAD_CA_CERTS is "default". */
export const DEFAULT_CA_CERTS = [
  { source: '/etc/docker/certs.d', target: '/etc/docker/certs.d' },
  { source: '/usr/local/share/ca-certificates/registry.cluster.crt', target: '/usr/local/share/ca-certificates/registry.cluster.crt' },
];

export interface CertMount {
  source: string;
  target: string;
}
/** client: the Nomad client's docker plugin auth config or credential helpers (nothing in the job); job: an auth block. */
export type RegistryAuth = { mode: 'client' } | { mode: 'job'; username: string; password: string; server?: string };
/** host-socket: the host's Docker socket in a privileged container (root on the node); none: no Docker access. */
export type DockerAccess = (typeof DOCKER_ACCESS)[number];

const stringMap = z.record(z.string(), z.string());

/** nspawn driver options (../shared seeds: nomad-driver-nspawn) and the JSON type each must have. */
const NSPAWN_OPTIONS: Record<string, z.ZodMiniType> = {
  boot: z.boolean(),
  ephemeral: z.boolean(),
  network_veth: z.boolean(),
  process_two: z.boolean(),
  read_only: z.boolean(),
  user_namespacing: z.boolean(),
  console: z.enum(['interactive', 'read-only', 'passive', 'pipe']),
  resolv_conf: z.string(),
  user: z.string(),
  volatile: z.string(),
  working_directory: z.string(),
  pivot_root: z.string(),
  bind: stringMap,
  bind_read_only: stringMap,
  environment: stringMap,
  port_map: stringMap,
  command: z.array(z.string()),
};

export function readDockerAccess(r: OptionReader, driver: string): DockerAccess {
  const dockerAccess = r.get('NOMAD_DOCKER_ACCESS', `one of ${DOCKER_ACCESS.join(', ')}`, oneOf(DOCKER_ACCESS), 'none');
  r.check(hostSocketNeedsDocker(dockerAccess, driver));
  return dockerAccess;
}

/** "default" (the Go provider's paths), "none", or host[:task] pairs separated by commas. */
export function readCaCerts(r: OptionReader): CertMount[] {
  const certText = r.text('NOMAD_CA_CERTS', 'none');
  if (certText === 'default') return DEFAULT_CA_CERTS;
  if (certText === 'none') return [];
  const caCerts = certText
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const [source = '', target] = pair.split(':');
      return { source, target: target || source };
    });
  if (caCerts.some((c) => !c.source.startsWith('/') || !c.target.startsWith('/'))) {
    r.problems.push(
      r.describe(
        'NOMAD_CA_CERTS',
        certText,
        '"default", "none", or absolute host[:task] paths separated by commas, e.g. /etc/ssl/my-ca.crt:/usr/local/share/ca-certificates/my-ca.crt',
      ),
    );
  }
  return caCerts;
}

/** Registry auth: the client's docker plugin config / credential helpers (nothing in the job), or a job-level block. */
export function readRegistryAuth(r: OptionReader, driver: string): RegistryAuth {
  const authMode = r.get(
    'NOMAD_REGISTRY_AUTH',
    `one of ${REGISTRY_AUTH.join(', ')}`,
    oneOf(REGISTRY_AUTH),
    r.values.NOMAD_REGISTRY_USERNAME ? 'job' : 'client',
  );
  const user = r.text('NOMAD_REGISTRY_USERNAME');
  const password = r.values.NOMAD_REGISTRY_PASSWORD ?? '';
  let registryAuth: RegistryAuth = { mode: 'client' };
  if (authMode === 'client' && (user || password)) {
    r.problems.push(
      'NOMAD_REGISTRY_AUTH=client but NOMAD_REGISTRY_USERNAME/NOMAD_REGISTRY_PASSWORD are set: expected either client-side credentials (docker plugin auth config or credential helpers, nothing in the job) or NOMAD_REGISTRY_AUTH=job with a username and password, not both',
    );
  } else if (authMode === 'job') {
    if (!user || !password)
      r.problems.push('NOMAD_REGISTRY_AUTH=job needs NOMAD_REGISTRY_USERNAME and NOMAD_REGISTRY_PASSWORD: expected both to be set');
    else registryAuth = { mode: 'job', username: user, password, server: r.text('NOMAD_REGISTRY_SERVER') || undefined };
    r.check(jobRegistryAuthNeedsImageDriver(driver));
  }
  return registryAuth;
}

/** NOMAD_NSPAWN_CONFIG_JSON: each key an nspawn driver option of the right JSON type, and none that cannot work. */
export function readNspawn(r: OptionReader, driver: string): Record<string, unknown> {
  const nspawn =
    r.json(
      'NOMAD_NSPAWN_CONFIG_JSON',
      `a JSON object of nspawn driver options (${Object.keys(NSPAWN_OPTIONS).join(', ')})`,
      z.record(z.string(), z.unknown()),
    ) ?? {};
  for (const [key, value] of Object.entries(nspawn)) {
    const schema = NSPAWN_OPTIONS[key];
    if (!schema)
      r.problems.push(`NOMAD_NSPAWN_CONFIG_JSON.${key} is not an nspawn driver option: expected one of ${Object.keys(NSPAWN_OPTIONS).join(', ')}`);
    else if (!schema.safeParse(value).success) {
      const kind =
        key === 'console'
          ? 'one of interactive, read-only, passive, pipe'
          : ['bind', 'bind_read_only', 'environment', 'port_map'].includes(key)
            ? 'an object of strings'
            : key === 'command'
              ? 'a list of strings'
              : ['boot', 'ephemeral', 'network_veth', 'process_two', 'read_only', 'user_namespacing'].includes(key)
                ? 'true or false'
                : 'a string';
      r.problems.push(`NOMAD_NSPAWN_CONFIG_JSON.${key}=${JSON.stringify(value)} is not valid: expected ${kind}`);
    }
  }
  r.check(nspawnConfigNeedsNspawn(nspawn, driver));
  r.problems.push(...nspawnCannot(nspawn, driver, r.values));
  return nspawn;
}
