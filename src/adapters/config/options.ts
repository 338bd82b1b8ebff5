// Provider options → one validated config. Each option is checked once, here; later modules receive typed,
// already-valid values. Every message names the option, the value given and what is expected.
// zod/mini: the same validator without the classic API's 400 KB of locales, which would slow every command's start.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { resolveConnection, type Env, type NomadConnection } from '../nomad/connection.js';
import { ENV_NAME, parseBool, parseDurationMs, parseGoDuration, parseJson, parseMegabytes, parseNonNegativeInt, parsePositiveInt } from './parse.js';
import { ConfigError } from './errors.js';
import { collectOptions, type OptionValues } from './sources.js';
import { repositoryProblems } from './trust.js';
import { volumeOptions, type VolumeConfig } from './volume.js';

export const DRIVERS = ['docker', 'podman', 'exec', 'raw_exec', 'nspawn'] as const;
export type Driver = (typeof DRIVERS)[number];
export const CHANGE_MODES = ['restart', 'noop', 'signal'] as const;
export const DOCKER_ACCESS = ['none', 'host-socket'] as const;
export const REGISTRY_AUTH = ['client', 'job'] as const;
export const CONSTRAINT_OPERATORS = ['=', '!=', '>', '>=', '<', '<=', 'regexp', 'set_contains', 'set_contains_any', 'version', 'semver', 'is_set', 'is_not_set', 'distinct_hosts', 'distinct_property'] as const;

/** The paths the Go provider hard-codes, mounted when NOMAD_CA_CERTS is "default". */
export const DEFAULT_CA_CERTS = [
  { source: '/etc/docker/certs.d', target: '/etc/docker/certs.d' },
  { source: '/usr/local/share/ca-certificates/registry.cluster.crt', target: '/usr/local/share/ca-certificates/registry.cluster.crt' },
];

export interface Constraint { attribute: string; operator: string; value: string }
/** NOMAD_JOB_TEMPLATE, read: a team's own Nomad job the workspace job is merged into (jobspec/template.ts). */
export interface JobTemplate { path: string; format: 'hcl' | 'json'; text: string }
export interface VaultSecret { path: string; fields: Record<string, string> }
export interface CertMount { source: string; target: string }

export interface ProviderConfig {
  connection: NomadConnection;
  driver: Driver;
  image: string;
  /** The user the task runs as (Nomad task `user`); empty = the driver's default (exec: nobody). */
  taskUser?: string;
  resources: { cpuMHz: number; cores?: number; memoryMB: number; diskMB: number };
  datacenters: string[];
  nodePool?: string;
  constraints: Constraint[];
  /** host-socket: the host's Docker socket in a privileged container (root on the node); none: no Docker access. */
  dockerAccess: (typeof DOCKER_ACCESS)[number];
  vault?: {
    addr?: string;
    /** VAULT_CACERT, as the vault CLI reads it: the CA of an https VAULT_ADDR, for the checks before submitting. */
    caCertPath?: string;
    role: string;
    namespace?: string;
    changeMode: (typeof CHANGE_MODES)[number];
    changeSignal?: string;
    policies: string[];
    secrets: VaultSecret[];
  };
  caCerts: CertMount[];
  registryAuth: { mode: 'client' } | { mode: 'job'; username: string; password: string; server?: string };
  gpu?: { count: number; name: string; model?: string };
  volume?: VolumeConfig;
  nspawn: Record<string, unknown>;
  /** How long create/start wait for the workspace to run. */
  timeoutMs: number;
  /**
   * INACTIVITY_TIMEOUT, as DevPod reads it (a Go duration). DevPod's agent measures idleness and runs the
   * provider's shutdown; set, it makes the machine job one that ends stopped when that shutdown comes (idle-stop.ts).
   */
  inactivityTimeout?: string;
  /** Where DevPod's agent lives inside the workspace (agent.path). */
  agentPath: string;
  /** The .devpod/nomad.yaml that contributed values, if any. */
  configFile?: string;
  /** Every option's value and where it came from (plan shows them, trust.ts optionSources). */
  sources: OptionValues;
  jobTemplate?: JobTemplate;
}

type Problem = (name: string, value: string, expected: string) => string;

/** One option: its parser returns the value, or undefined when the text is not what `expected` says. */
function option(problems: string[], vals: OptionValues, describe: Problem) {
  return <T>(name: string, expected: string, parse: (v: string) => T | undefined, fallback: T): T => {
    const raw = vals.values[name];
    if (raw === undefined) return fallback;
    const parsed = parse(raw.trim());
    if (parsed === undefined) problems.push(describe(name, raw, expected));
    return parsed ?? fallback;
  };
}

const oneOf = <T extends string>(allowed: readonly T[]) => (v: string) => (allowed as readonly string[]).includes(v) ? (v as T) : undefined;

const secretsSchema = z.array(z.object({ path: z.string(), fields: z.record(z.string(), z.string()) }));
const constraintsSchema = z.array(z.object({ attribute: z.string(), operator: z.optional(z.string()), value: z.optional(z.string()) }));
const stringMap = z.record(z.string(), z.string());

/** nspawn driver options (../shared seeds: nomad-driver-nspawn) and the JSON type each must have. */
const NSPAWN_OPTIONS: Record<string, z.ZodMiniType> = {
  boot: z.boolean(), ephemeral: z.boolean(), process_two: z.boolean(), read_only: z.boolean(), user_namespacing: z.boolean(),
  console: z.enum(['interactive', 'read-only', 'passive', 'pipe']), resolv_conf: z.string(), user: z.string(), volatile: z.string(),
  working_directory: z.string(), pivot_root: z.string(), bind: stringMap, bind_read_only: stringMap, environment: stringMap,
  port_map: stringMap, command: z.array(z.string()),
};

function jsonOption<T>(problems: string[], describe: Problem, name: string, raw: string | undefined, expected: string, schema: z.ZodMiniType<T>): T | undefined {
  if (raw === undefined) return undefined;
  const json = parseJson(raw);
  if (!json.ok) {
    problems.push(describe(name, raw, `${expected} (JSON: ${json.error})`));
    return undefined;
  }
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    problems.push(describe(name, raw, expected));
    return undefined;
  }
  return parsed.data;
}

/**
 * Vault rules. Unlike the Go providers, neither VAULT_POLICIES_JSON nor VAULT_ADDR is required: with workload
 * identity (Nomad >= 1.10) the Nomad client logs in to the Vault in its own `vault` block, with the role's policies.
 */
function vaultProblems(secrets: VaultSecret[]): string[] {
  const out: string[] = [];
  secrets.forEach((s, i) => {
    const at = `VAULT_SECRETS_JSON[${i}]`;
    if (!/^[^/\s]+\/[^\s]*[^/\s]$/.test(s.path) || s.path.split('/').includes('..')) out.push(`${at}.path=${JSON.stringify(s.path)} is not valid: expected a Vault path <mount>/<path>, e.g. secret/data/app (KV v2) or kv/app (KV v1)`);
    const fields = Object.entries(s.fields);
    if (fields.length === 0) out.push(`${at}.fields is empty: expected at least one mapping of a Vault field to an environment variable, e.g. {"password": "DB_PASSWORD"}`);
    for (const [field, envName] of fields) {
      if (!ENV_NAME.test(envName)) out.push(`${at}.fields.${field}=${JSON.stringify(envName)} is not valid: expected an environment variable name (letters, digits, _; not starting with a digit)`);
    }
  });
  return out;
}

/**
 * NOMAD_TIMEOUT's upper bound. A day covers the slowest image pull and placement; beyond it a wait is a mistake, and
 * Node's timers (at most 2^31-1 ms, 24.8 days) would fire at once, failing every wait after the job was registered.
 */
export const MAX_TIMEOUT_MS = 24 * 3_600_000;

/** Reads and validates every option from flags, environment and .devpod/nomad.yaml; throws one ConfigError. */
export function loadConfig(env: Env, opts: { flags?: Record<string, string>; cwd?: string } = {}): ProviderConfig {
  const vals = collectOptions(env, opts);
  // The trust boundary first: a repository's file that reaches for a personal option is refused before anything else.
  const refused = repositoryProblems(vals, env.PROVIDER_ID?.trim() || undefined);
  if (refused.length) throw new ConfigError(refused);
  const from = (name: string) => (vals.origin[name] === 'file' ? ` (from ${vals.file})` : vals.origin[name] === 'flag' ? ' (from --set)' : '');
  const describe: Problem = (name, value, expected) => `${name}=${JSON.stringify(value)}${from(name)} is not valid: expected ${expected}`;
  const problems: string[] = [];
  const get = option(problems, vals, describe);
  const text = (name: string, fallback = '') => vals.values[name]?.trim() ?? fallback;
  const json = <T>(name: string, expected: string, schema: z.ZodMiniType<T>) => jsonOption(problems, describe, name, vals.values[name], expected, schema);

  const driver = get('NOMAD_DRIVER', `one of ${DRIVERS.join(', ')}`, oneOf(DRIVERS), 'docker');
  const cores = get<number | undefined>('NOMAD_CORES', 'a whole number of CPU cores greater than 0', parsePositiveInt, undefined);
  if (cores !== undefined && vals.values.NOMAD_CPU !== undefined) problems.push(`NOMAD_CPU and NOMAD_CORES are both set: expected one of them (MHz shares, or whole reserved cores)`);
  const resources = {
    cpuMHz: get('NOMAD_CPU', 'a whole number of MHz greater than 0, e.g. 500', parsePositiveInt, 200),
    cores,
    memoryMB: get('NOMAD_MEMORYMB', 'a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB', parseMegabytes, 512),
    diskMB: get('NOMAD_DISKMB', 'a size in MB, or with a unit (MB, GB, GiB), e.g. 300 or 10GB', parseMegabytes, 300),
  };
  get('NOMAD_TASK_USER', 'a user name (letters, digits, _ . -)', (v) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) ? v : undefined), '');
  const timeoutMs = get('NOMAD_TIMEOUT', 'a duration of at most 24h, e.g. 10m or 90s', (v) => {
    const ms = parseDurationMs(v);
    return ms !== undefined && ms <= MAX_TIMEOUT_MS ? ms : undefined;
  }, 10 * 60_000);
  const inactivityTimeout = get<string | undefined>('INACTIVITY_TIMEOUT', 'a duration with a unit as DevPod reads it, e.g. 30m, 1h or 90s (empty: never)', parseGoDuration, undefined);
  get('NOMAD_SKIP_VERIFY', 'true or false', parseBool, false);
  get('NOMAD_ADDR', 'http(s)://host:port or unix:///path/to/socket', (v) => (/^(https?:\/\/[^\s/]+|unix:\/\/\/\S+)\/?$/.test(v) ? v : undefined), '');

  const constraints = (json('NOMAD_CONSTRAINTS', 'a JSON list of {"attribute", "operator", "value"}, e.g. [{"attribute": "${attr.kernel.name}", "value": "linux"}]', constraintsSchema) ?? []).map((c) => ({
    attribute: c.attribute, operator: c.operator ?? '=', value: c.value ?? '',
  }));
  constraints.forEach((c, i) => {
    if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(c.operator)) problems.push(`NOMAD_CONSTRAINTS[${i}].operator=${JSON.stringify(c.operator)} is not valid: expected one of ${CONSTRAINT_OPERATORS.join(', ')}`);
  });

  const dockerAccess = get('NOMAD_DOCKER_ACCESS', `one of ${DOCKER_ACCESS.join(', ')}`, oneOf(DOCKER_ACCESS), 'none');
  if (dockerAccess === 'host-socket' && driver !== 'docker') problems.push(`NOMAD_DOCKER_ACCESS=host-socket needs NOMAD_DRIVER=docker (got ${driver}): the host's Docker socket can only be mounted into a docker task`);

  // Vault
  const secrets = json('VAULT_SECRETS_JSON', 'a JSON list of {"path": "secret/data/...", "fields": {"vault_field": "ENV_NAME"}}', secretsSchema) ?? [];
  const policies = json('VAULT_POLICIES_JSON', 'a JSON list of Vault policy names, e.g. ["devpod-secrets"]', z.array(z.string()));
  const changeMode = get('VAULT_CHANGE_MODE', `one of ${CHANGE_MODES.join(', ')}`, oneOf(CHANGE_MODES), 'restart');
  const changeSignal = get('VAULT_CHANGE_SIGNAL', 'a signal name such as SIGHUP', (v) => (/^SIG[A-Z0-9]+$/.test(v) ? v : undefined), changeMode === 'signal' ? 'SIGHUP' : undefined);
  if (vals.values.VAULT_SECRETS_JSON !== undefined && secrets.length === 0 && !problems.some((p) => p.startsWith('VAULT_SECRETS_JSON'))) {
    problems.push(describe('VAULT_SECRETS_JSON', vals.values.VAULT_SECRETS_JSON, 'at least one secret'));
  }
  problems.push(...vaultProblems(secrets));
  const vaultWanted = secrets.length > 0 || (policies?.length ?? 0) > 0;

  // Certificates: "default" (the Go provider's paths), "none", or host[:task] pairs separated by commas.
  const certText = text('NOMAD_CA_CERTS', 'none');
  let caCerts: CertMount[] = [];
  if (certText === 'default') caCerts = DEFAULT_CA_CERTS;
  else if (certText !== 'none') {
    caCerts = certText.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => {
      const [source = '', target] = pair.split(':');
      return { source, target: target || source };
    });
    if (caCerts.some((c) => !c.source.startsWith('/') || !c.target.startsWith('/'))) {
      problems.push(describe('NOMAD_CA_CERTS', certText, '"default", "none", or absolute host[:task] paths separated by commas, e.g. /etc/ssl/my-ca.crt:/usr/local/share/ca-certificates/my-ca.crt'));
    }
  }

  // Registry auth: the client's docker plugin config / credential helpers (nothing in the job), or a job-level block.
  const authMode = get('NOMAD_REGISTRY_AUTH', `one of ${REGISTRY_AUTH.join(', ')}`, oneOf(REGISTRY_AUTH), vals.values.NOMAD_REGISTRY_USERNAME ? 'job' : 'client');
  const user = text('NOMAD_REGISTRY_USERNAME');
  const password = vals.values.NOMAD_REGISTRY_PASSWORD ?? '';
  let registryAuth: ProviderConfig['registryAuth'] = { mode: 'client' };
  if (authMode === 'client' && (user || password)) {
    problems.push('NOMAD_REGISTRY_AUTH=client but NOMAD_REGISTRY_USERNAME/NOMAD_REGISTRY_PASSWORD are set: expected either client-side credentials (docker plugin auth config or credential helpers, nothing in the job) or NOMAD_REGISTRY_AUTH=job with a username and password, not both');
  } else if (authMode === 'job') {
    if (!user || !password) problems.push('NOMAD_REGISTRY_AUTH=job needs NOMAD_REGISTRY_USERNAME and NOMAD_REGISTRY_PASSWORD: expected both to be set');
    else registryAuth = { mode: 'job', username: user, password, server: text('NOMAD_REGISTRY_SERVER') || undefined };
    if (driver !== 'docker' && driver !== 'podman') problems.push(`NOMAD_REGISTRY_AUTH=job needs an image driver (docker or podman), not ${driver}`);
  }

  // GPU
  const gpuCount = get('NOMAD_GPU_COUNT', 'a whole number of GPUs (0 for none)', parseNonNegativeInt, 0);
  const gpu = gpuCount > 0 ? { count: gpuCount, name: text('NOMAD_GPU_NAME', 'nvidia/gpu'), model: text('NOMAD_GPU_MODEL') || undefined } : undefined;
  if (gpu && !/^[a-z0-9_-]+(\/[a-z0-9_-]+){0,2}$/i.test(gpu.name)) problems.push(describe('NOMAD_GPU_NAME', gpu.name, 'a device name: type, vendor/type or vendor/type/model, e.g. nvidia/gpu'));

  // Persistent storage (config/volume.ts)
  const volume = volumeOptions(get, text, describe, problems, driver);

  // nspawn
  const nspawn = json('NOMAD_NSPAWN_CONFIG_JSON', `a JSON object of nspawn driver options (${Object.keys(NSPAWN_OPTIONS).join(', ')})`, z.record(z.string(), z.unknown())) ?? {};
  for (const [key, value] of Object.entries(nspawn)) {
    const schema = NSPAWN_OPTIONS[key];
    if (!schema) problems.push(`NOMAD_NSPAWN_CONFIG_JSON.${key} is not an nspawn driver option: expected one of ${Object.keys(NSPAWN_OPTIONS).join(', ')}`);
    else if (!schema.safeParse(value).success) {
      const kind = key === 'console' ? 'one of interactive, read-only, passive, pipe' : ['bind', 'bind_read_only', 'environment', 'port_map'].includes(key) ? 'an object of strings' : key === 'command' ? 'a list of strings' : ['boot', 'ephemeral', 'process_two', 'read_only', 'user_namespacing'].includes(key) ? 'true or false' : 'a string';
      problems.push(`NOMAD_NSPAWN_CONFIG_JSON.${key}=${JSON.stringify(value)} is not valid: expected ${kind}`);
    }
  }
  if (Object.keys(nspawn).length && driver !== 'nspawn') problems.push(`NOMAD_NSPAWN_CONFIG_JSON is set but NOMAD_DRIVER=${driver}: expected NOMAD_DRIVER=nspawn`);

  // A team's job template: a personal option (trust.ts), so a path relative to the working directory.
  let jobTemplate: JobTemplate | undefined;
  const templatePath = text('NOMAD_JOB_TEMPLATE');
  if (templatePath) {
    const full = resolve(opts.cwd ?? process.cwd(), templatePath);
    try {
      jobTemplate = { path: templatePath, format: /\.json$/i.test(full) ? 'json' : 'hcl', text: readFileSync(full, 'utf8') };
    } catch (err) {
      problems.push(describe('NOMAD_JOB_TEMPLATE', templatePath, `a readable Nomad job file, HCL or .json (${(err as NodeJS.ErrnoException).code ?? String(err)} reading ${full})`));
    }
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    connection: resolveConnection({ ...env, ...vals.values }),
    driver,
    image: text('NOMAD_IMAGE', 'ubuntu:22.04'),
    taskUser: text('NOMAD_TASK_USER') || undefined,
    resources,
    datacenters: text('NOMAD_DATACENTERS', '*').split(',').map((d) => d.trim()).filter(Boolean),
    nodePool: text('NOMAD_NODE_POOL') || undefined,
    constraints,
    dockerAccess,
    vault: vaultWanted
      ? { addr: text('VAULT_ADDR') || undefined, caCertPath: text('VAULT_CACERT') || undefined, role: text('VAULT_ROLE', 'nomad-workloads'), namespace: text('VAULT_NAMESPACE') || undefined, changeMode, changeSignal, policies: policies ?? [], secrets }
      : undefined,
    caCerts,
    registryAuth,
    gpu,
    volume,
    nspawn,
    timeoutMs,
    inactivityTimeout,
    agentPath: text('AGENT_PATH', '/tmp/devpod/agent'),
    configFile: vals.file,
    sources: vals,
    jobTemplate,
  };
}
