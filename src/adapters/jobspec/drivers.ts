// Task drivers behind one interface: each turns the workspace's image and keep-alive command into its config.
import type { Driver, ProviderConfig } from '../config.js';

/**
 * The workspace task's main process: stays up until Nomad stops it, and exits 0 on SIGTERM at once so a stop is
 * quick and never counted as a failure. DevPod's agent runs beside it through `command` (alloc exec).
 */
export const KEEPALIVE = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

export interface TaskDriver {
  name: Driver;
  /** Whether the task runs an image (and so NOMAD_IMAGE matters). */
  usesImage: boolean;
  config(cfg: ProviderConfig): Record<string, unknown>;
}

const shell = { command: '/bin/sh', args: ['-c', KEEPALIVE] };

const DRIVER_TABLE: Record<Driver, TaskDriver> = {
  docker: { name: 'docker', usesImage: true, config: (cfg) => ({ image: cfg.image, ...shell }) },
  podman: { name: 'podman', usesImage: true, config: (cfg) => ({ image: cfg.image, ...shell }) },
  exec: { name: 'exec', usesImage: false, config: () => ({ ...shell }) },
  raw_exec: { name: 'raw_exec', usesImage: false, config: () => ({ ...shell }) },
};

export const taskDriver = (name: Driver): TaskDriver => DRIVER_TABLE[name];
