// The interface every task driver implements (one file per driver beside this one; index.ts picks one by name).
import type { Driver, ProviderConfig } from '../../config/index.js';

export interface TaskDriver {
  name: Driver;
  /** Whether the task runs an image (so NOMAD_IMAGE, registry auth and certificate mounts apply). */
  usesImage: boolean;
  /** Whether it maps a host port to the task's own port (docker, podman); the others share the node's network. */
  mapsPorts?: boolean;
  /** The driver's config block, with `keepAlive` (a shell script) as the task's main process. */
  config(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown>;
  /**
   * Whether the driver's exec never passes stdin's end to the process, so `command` sends stdin framed and the task
   * decodes it (adapters/nomad/exec-stdin-frames.ts).
   */
  losesStdinEof?: boolean;
  /**
   * Whether the task's main process is the image's own init (nspawn boots systemd), not the keep-alive script: no
   * idle watch can run in it, and the trust store is refreshed by the first command instead (shell.ts).
   */
  bootsInit?: boolean;
  /** What the config needs of the client beyond the driver (node attributes), as task constraints. */
  needs?(cfg: ProviderConfig): NodeNeed[];
}

/** A client capability a task config depends on, fingerprinted by the driver as a node attribute. */
export type NodeNeed = 'docker-volumes' | 'docker-privileged';
