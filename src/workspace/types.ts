// The types every workspace module shares (operations, the volume, the registry credential, exec, describe): in
// a module of their own so that those modules depend on it, not on each other.
import type { ProviderConfig, VolumeConfig } from '../adapters/config/index.js';
import type { NomadClient } from '../adapters/nomad/client.js';
import type { ActorOptions } from './lifecycle/nomad-actors.js';

/** One workspace job and what acting on it needs: what the CLI builds for each command. */
export interface Workspace {
  nomad: NomadClient;
  config: ProviderConfig;
  jobId: string;
  /** The DevPod machine (or native devcontainer) the job belongs to: its jobs carry it as meta. */
  machineId: string;
  /** Progress for humans (stderr). */
  log: (line: string) => void;
  actorOptions?: ActorOptions;
}

/** A volume the provider creates per workspace (NOMAD_VOLUME_TYPE=dynamic, or csi with a plugin). */
export type ManagedVolume = VolumeConfig & { managed: NonNullable<VolumeConfig['managed']> };
