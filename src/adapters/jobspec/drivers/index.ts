// Task drivers behind one interface (types.ts): each file beside this one turns the workspace's image, keep-alive
// command, certificate mounts, registry credentials and Docker access into its driver's `config` block (keys are
// the driver's HCL names). This file picks one by name and turns their client needs into constraints.
import type { Driver, ProviderConfig } from '../../config/index.js';
import { docker } from './docker.js';
import { exec, rawExec } from './exec.js';
import { nspawn } from './nspawn.js';
import { podman } from './podman.js';
import { withIdleWatch } from '../idle-stop.js';
import { afterScriptRefresh, refreshingFirst } from './shell.js';
import type { NodeNeed, TaskDriver } from './types.js';

export { KEEPALIVE } from './shell.js';
export type { NodeNeed, TaskDriver } from './types.js';

const NEED_ATTRIBUTE: Record<NodeNeed, string> = {
  'docker-volumes': '${attr.driver.docker.volumes.enabled}',
  'docker-privileged': '${attr.driver.docker.privileged.enabled}',
};

/**
 * Task constraints for the client capabilities a config needs. Nomad's docker driver refuses host mounts unless its
 * plugin has `volumes { enabled = true }`, and privileged containers unless `allow_privileged = true`; as
 * constraints, a client without them is never picked (and plan/create say which), rather than the task failing there.
 */
export const needConstraints = (needs: NodeNeed[], existing: Array<Record<string, unknown>> = []) => [
  ...existing,
  ...[...new Set(needs)]
    .filter((n) => !existing.some((c) => c.LTarget === NEED_ATTRIBUTE[n]))
    .map((n) => ({ LTarget: NEED_ATTRIBUTE[n], Operand: '=', RTarget: 'true' })),
];

const DRIVER_TABLE: Record<Driver, TaskDriver> = { docker, podman, nspawn, exec, raw_exec: rawExec };

export const taskDriver = (name: Driver): TaskDriver => DRIVER_TABLE[name];

/** Container drivers, whose exec can end before the last output arrives (see nomad/exec-trailer.ts). */
export const withTrailers = (name: Driver): boolean => DRIVER_TABLE[name].usesImage;

/** Drivers whose exec never passes stdin's end on: `command` sends stdin framed (see nomad/exec-stdin-frames.ts). */
export const withFramedStdin = (name: Driver): boolean => DRIVER_TABLE[name].losesStdinEof === true;

/**
 * A command's argv as the workspace task runs it (`command`): once the task trusts the mounted CA certificates
 * (NOMAD_CA_CERTS) — after the main process's refresh, or on drivers that boot the image's init (nspawn), after
 * refreshing it itself — and on those, with INACTIVITY_TIMEOUT, after starting the idle watch (idle-stop.ts).
 */
export function commandArgv(cfg: ProviderConfig, argv: string[], machineId?: string): string[] {
  const booted = DRIVER_TABLE[cfg.driver].bootsInit === true;
  const run = booted && machineId !== undefined && cfg.inactivityTimeout !== undefined ? withIdleWatch(machineId, argv) : argv;
  if (!cfg.caCerts.length) return run;
  return booted ? refreshingFirst(run) : afterScriptRefresh(run);
}
