// The systemd-nspawn driver (nomad-driver-nspawn v0.10.0, seed 003): a systemd root filesystem booted with
// systemd-nspawn, with the person's NOMAD_NSPAWN_CONFIG_JSON settings on top and CA certificates bound read-only.
//
// The driver's exec (what `command` and DevPod's agent run through) is `systemd-run --machine`, which needs the
// image's systemd running as the container's PID 1: so the container boots (`boot`), and its main process is that
// systemd, not the keep-alive script the other drivers run (with `boot`, the driver passes `command` to init as
// arguments). Its own default, a veth link, makes the driver wait 30 s for an IPv4 address on it and then fail the
// task (`timed out while getting machine addresses`) unless the image configures one: the workspace shares the
// node's network instead, as exec does. And it runs on a throwaway copy of the image (`ephemeral`), so one
// workspace never changes the image the next one boots: files that must outlive a stop go on a volume
// (NOMAD_VOLUME_*), which the driver binds in like the task directories.
import type { ProviderConfig } from '../../config/index.js';
import type { TaskDriver } from './types.js';

/** What every workspace gets unless NOMAD_NSPAWN_CONFIG_JSON says otherwise (rules.ts refuses what cannot work). */
export const NSPAWN_DEFAULTS = { boot: true, network_veth: false, ephemeral: true } as const;

function config(cfg: ProviderConfig): Record<string, unknown> {
  const own = cfg.nspawn;
  // A volatile or read-only root already leaves the image untouched; nspawn copies it for `ephemeral` on top.
  const untouched = (own.volatile !== undefined && own.volatile !== 'no') || own.read_only === true;
  const defaults: Record<string, unknown> = { ...NSPAWN_DEFAULTS, ...(untouched ? { ephemeral: false } : {}) };
  const c: Record<string, unknown> = { image: cfg.image, ...defaults, ...own };
  if (cfg.caCerts.length)
    c.bind_read_only = { ...Object.fromEntries(cfg.caCerts.map((m) => [m.source, m.target])), ...(own.bind_read_only as object | undefined) };
  return c;
}

/**
 * The booted image's systemd is the main process, so there is no script to refresh the trust store before anything
 * runs: the first command after each boot does it (index.ts commandArgv), marked under /run, which each boot
 * starts empty.
 */
export const nspawn: TaskDriver = { name: 'nspawn', usesImage: true, config, bootsInit: true };
