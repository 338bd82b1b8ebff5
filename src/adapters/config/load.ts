// Provider options → one validated config. Each option is checked once, here; later modules receive typed,
// already-valid values. How the pieces fit: sources.ts collects the values (flag > environment >
// .devpod/nomad.yaml); repository-check.ts refuses what a repository's file may not set (trust.ts); then one schema
// file per option group (workspace.ts, connection.ts, placement.ts, images.ts, vault.ts, volume.ts, ports.ts, each mirroring
// its catalog/ group) reads its options through reader.ts, with rules.ts for the checks that span groups; every
// problem found goes into one ConfigError (errors.ts).
// zod/mini: the same validator without the classic API's 400 KB of locales, which would slow every command's start.
import type { Env, NomadConnection } from '../nomad/connection.js';
import { readConnection } from './connection.js';
import { ConfigError } from './errors.js';
import {
  readAllowPrivileged,
  readCaCerts,
  readDockerAccess,
  readNspawn,
  readRegistryAuth,
  type CertMount,
  type DockerAccess,
  type RegistryAuth,
} from './images.js';
import { readGpu, readPlacement, type Constraint, type Gpu } from './placement.js';
import { readPorts, type PortsConfig } from './ports.js';
import { optionReader } from './reader.js';
import { repositoryProblems } from './repository-check.js';
import { collectOptions, type OptionValues } from './sources.js';
import { readVault, type VaultConfig } from './vault.js';
import { readVolume, type VolumeConfig } from './volume.js';
import { readJobTemplate, readWorkspace, type Driver, type JobTemplate, type Resources } from './workspace.js';

export interface ProviderConfig {
  connection: NomadConnection;
  driver: Driver;
  image: string;
  /** The user the task runs as (Nomad task `user`); empty = the driver's default (exec: nobody). */
  taskUser?: string;
  resources: Resources;
  datacenters: string[];
  nodePool?: string;
  constraints: Constraint[];
  dockerAccess: DockerAccess;
  /** NOMAD_ALLOW_PRIVILEGED: a devcontainer asking for a privileged container gets one (native mode); else refused. */
  allowPrivileged: boolean;
  vault?: VaultConfig;
  caCerts: CertMount[];
  registryAuth: RegistryAuth;
  gpu?: Gpu;
  volume?: VolumeConfig;
  nspawn: Record<string, unknown>;
  /** Workspace ports published as Nomad-native services (NOMAD_PORTS); unset = none. */
  ports?: PortsConfig;
  /** How long create/start wait for the workspace to run. */
  timeoutMs: number;
  /**
   * INACTIVITY_TIMEOUT, as DevPod reads it (a Go duration). DevPod's agent measures idleness and runs the
   * provider's shutdown; set, it makes the machine job one that ends stopped when that shutdown comes (idle-stop.ts).
   */
  inactivityTimeout?: string;
  /** Where DevPod's agent lives inside the workspace (agent.path). */
  /** The .devpod/nomad.yaml that contributed values, if any. */
  configFile?: string;
  /** Every option's value and where it came from (plan shows them, sources.ts optionSources). */
  sources: OptionValues;
  jobTemplate?: JobTemplate;
}

/** Reads and validates every option from flags, environment and .devpod/nomad.yaml; throws one ConfigError. */
export function loadConfig(env: Env, opts: { flags?: Record<string, string>; cwd?: string } = {}): ProviderConfig {
  const vals = collectOptions(env, opts);
  // The trust boundary first: a repository's file that reaches for a personal option is refused before anything else.
  const refused = repositoryProblems(vals, env.PROVIDER_ID?.trim() || undefined);
  if (refused.length) throw new ConfigError(refused);

  // The groups in the order their problems are listed; the driver first, as several groups' rules need it.
  const r = optionReader(vals);
  const workspace = readWorkspace(r);
  const { driver } = workspace;
  const connection = readConnection(r, env);
  const placement = readPlacement(r);
  const dockerAccess = readDockerAccess(r, driver);
  const allowPrivileged = readAllowPrivileged(r);
  const vault = readVault(r);
  const caCerts = readCaCerts(r);
  const registryAuth = readRegistryAuth(r, driver);
  const gpu = readGpu(r);
  const volume = readVolume(r, driver);
  const nspawn = readNspawn(r, driver);
  const ports = readPorts(r);
  const jobTemplate = readJobTemplate(r, opts.cwd);
  if (r.problems.length) throw new ConfigError(r.problems);

  return {
    connection,
    driver,
    image: workspace.image,
    taskUser: workspace.taskUser,
    resources: workspace.resources,
    ...placement,
    dockerAccess,
    allowPrivileged,
    vault,
    caCerts,
    registryAuth,
    gpu,
    volume,
    nspawn,
    ports,
    timeoutMs: workspace.timeoutMs,
    inactivityTimeout: workspace.inactivityTimeout,
    // Of DevPod's agent group, the one option the provider reads too (DevPod reads the others itself).
    configFile: vals.file,
    sources: vals,
    jobTemplate,
  };
}
