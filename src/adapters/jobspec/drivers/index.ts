// Task drivers behind one interface (types.ts): each file beside this one turns the workspace's image, keep-alive
// command, certificate mounts, registry credentials and Docker access into its driver's `config` block (keys are
// the driver's HCL names). This file picks one by name and turns their client needs into constraints.
import type { Driver } from '../../config/index.js';
import { docker } from './docker.js';
import { exec, rawExec } from './exec.js';
import { nspawn } from './nspawn.js';
import { podman } from './podman.js';
import type { NodeNeed, TaskDriver } from './types.js';

export { afterTrustRefresh, KEEPALIVE } from './shell.js';
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
