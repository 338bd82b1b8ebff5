// Schema of the Images and registries group (catalog/images.ts): pulling from a private registry, the CAs mounted
// into the workspace, Docker access, and nspawn's own options. load.ts calls these readers in the order problems are
// listed; what each needs of NOMAD_DRIVER is in rules.ts.
import { parseBool } from './parse.js';
import * as z from './zod.js';
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

type NspawnKind = 'boolean' | 'console' | 'string' | 'stringMap' | 'stringList';
/** nspawn driver options (../shared seeds: nomad-driver-nspawn) and the JSON type each must have. */
const NSPAWN_OPTIONS: Record<string, NspawnKind> = {
  boot: 'boolean',
  ephemeral: 'boolean',
  network_veth: 'boolean',
  process_two: 'boolean',
  read_only: 'boolean',
  user_namespacing: 'boolean',
  console: 'console',
  resolv_conf: 'string',
  user: 'string',
  volatile: 'string',
  working_directory: 'string',
  pivot_root: 'string',
  bind: 'stringMap',
  bind_read_only: 'stringMap',
  environment: 'stringMap',
  port_map: 'stringMap',
  command: 'stringList',
};
const NSPAWN_CONSOLE = ['interactive', 'read-only', 'passive', 'pipe'] as const;
const NSPAWN_EXPECTED: Record<NspawnKind, string> = {
  boolean: 'true or false',
  console: `one of ${NSPAWN_CONSOLE.join(', ')}`,
  string: 'a string',
  stringMap: 'an object of strings',
  stringList: 'a list of strings',
};
/** The schema of a kind, built when an option of it is checked (reader.ts says why on use). */
const nspawnSchema = (kind: NspawnKind): z.ZodMiniType =>
  kind === 'boolean'
    ? z.boolean()
    : kind === 'console'
      ? z.enum(NSPAWN_CONSOLE)
      : kind === 'string'
        ? z.string()
        : kind === 'stringMap'
          ? z.record(z.string(), z.string())
          : z.array(z.string());

export function readDockerAccess(r: OptionReader, driver: string): DockerAccess {
  const dockerAccess = r.get('NOMAD_DOCKER_ACCESS', `one of ${DOCKER_ACCESS.join(', ')}`, oneOf(DOCKER_ACCESS), 'none');
  r.check(hostSocketNeedsDocker(dockerAccess, driver));
  return dockerAccess;
}

/** NOMAD_ALLOW_PRIVILEGED: whether a devcontainer that asks for a privileged container may have one (native mode). */
export const readAllowPrivileged = (r: OptionReader): boolean => r.get('NOMAD_ALLOW_PRIVILEGED', 'true or false', parseBool, false);

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
    r.json('NOMAD_NSPAWN_CONFIG_JSON', `a JSON object of nspawn driver options (${Object.keys(NSPAWN_OPTIONS).join(', ')})`, () =>
      z.record(z.string(), z.unknown()),
    ) ?? {};
  for (const [key, value] of Object.entries(nspawn)) {
    const kind = NSPAWN_OPTIONS[key];
    if (!kind)
      r.problems.push(`NOMAD_NSPAWN_CONFIG_JSON.${key} is not an nspawn driver option: expected one of ${Object.keys(NSPAWN_OPTIONS).join(', ')}`);
    else if (!nspawnSchema(kind).safeParse(value).success)
      r.problems.push(`NOMAD_NSPAWN_CONFIG_JSON.${key}=${JSON.stringify(value)} is not valid: expected ${NSPAWN_EXPECTED[kind]}`);
  }
  r.check(nspawnConfigNeedsNspawn(nspawn, driver));
  r.problems.push(...nspawnCannot(nspawn, driver, r.values));
  return nspawn;
}
