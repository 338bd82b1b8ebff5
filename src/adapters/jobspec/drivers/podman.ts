// The podman driver (nomad-driver-podman): NOMAD_IMAGE with the keep-alive script; CA mounts as `volumes`, and
// job-level registry auth as the driver's single `auth` block (no server address: podman matches the image's).
import type { ProviderConfig } from '../../config/index.js';
import { portLabels } from '../ports.js';
import { registryPasswordRef } from '../registry-auth.js';
import { shell } from './shell.js';
import type { TaskDriver } from './types.js';

function config(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { image: cfg.image, ...shell(cfg, keepAlive) };
  if (cfg.caCerts.length) c.volumes = cfg.caCerts.map((m) => `${m.source}:${m.target}:ro`);
  if (cfg.registryAuth.mode === 'job') c.auth = { username: cfg.registryAuth.username, password: registryPasswordRef };
  // Published ports (ports.ts): as with docker, each label's host port is mapped to the workspace port.
  if (portLabels(cfg).length) c.ports = portLabels(cfg);
  return c;
}

// v0.4.1's exec copies stdin into podman's attach socket and never half-closes it: a command never sees EOF.
export const podman: TaskDriver = { name: 'podman', usesImage: true, mapsPorts: true, config, losesStdinEof: true };
