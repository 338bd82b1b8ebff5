// The systemd-nspawn driver (nomad-driver-nspawn, seed 003): a machine image run with systemd-nspawn, with the
// person's NOMAD_NSPAWN_* settings on top and CA certificates bound read-only.
import type { ProviderConfig } from '../../config/index.js';
import { script } from './shell.js';
import type { TaskDriver } from './types.js';

function config(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { image: cfg.image, boot: false, command: ['/bin/sh', '-c', script(cfg, keepAlive)], ...cfg.nspawn };
  if (cfg.caCerts.length)
    c.bind_read_only = { ...Object.fromEntries(cfg.caCerts.map((m) => [m.source, m.target])), ...(cfg.nspawn.bind_read_only as object | undefined) };
  return c;
}

export const nspawn: TaskDriver = { name: 'nspawn', usesImage: true, config };
