// Task drivers behind one interface: each turns the workspace's image, keep-alive command, certificate mounts,
// registry credentials and Docker access into its own `config` block (keys are the driver's HCL names).
import type { Driver, ProviderConfig } from '../config/index.js';
import { registryPasswordRef } from './registry-auth.js';

/**
 * The workspace task's main process: stays up until Nomad stops it, and exits 0 on SIGTERM at once so a stop is
 * quick and never counted as a failure. DevPod's agent runs beside it through `command` (alloc exec).
 */
export const KEEPALIVE = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

/**
 * Where the task's script marks its trust store refreshed: the task directory, which lives as long as the
 * allocation (so the script removes an earlier run's mark first), and whose path every exec session has too. No
 * braces: Nomad reads `${…}` in driver config as its own interpolation.
 */
const TRUST_MARK = '"$NOMAD_TASK_DIR/.devpod-trust-refreshed"';

/** With CA certificates mounted, refresh the trust store first (Debian/Ubuntu and Alpine/RHEL tools), then mark it. */
const REFRESH_TRUST = `rm -f ${TRUST_MARK}; (update-ca-certificates || update-ca-trust) >/dev/null 2>&1 || true; touch ${TRUST_MARK}; `;

/**
 * `argv`, run once the task's trust store holds the mounted CAs. Nomad reports the task running when its process
 * starts, and the refresh takes a moment after that (seconds, for a full public CA set): a command run at once
 * (DevPod's first, right after create) would not yet trust the registry. Waits at most 60 s, then runs anyway.
 */
export function afterTrustRefresh(cfg: ProviderConfig, argv: string[]): string[] {
  if (!cfg.caCerts.length) return argv;
  const wait = `i=0; while [ ! -e ${TRUST_MARK} ] && [ $i -lt 600 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done; exec "$@"`;
  return ['/bin/sh', '-c', wait, 'sh', ...argv];
}

export interface TaskDriver {
  name: Driver;
  /** Whether the task runs an image (so NOMAD_IMAGE, registry auth and certificate mounts apply). */
  usesImage: boolean;
  /** The driver's config block, with `keepAlive` (a shell script) as the task's main process. */
  config(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown>;
  /** What the config needs of the client beyond the driver (node attributes), as task constraints. */
  needs?(cfg: ProviderConfig): NodeNeed[];
}

/** A client capability a task config depends on, fingerprinted by the driver as a node attribute. */
export type NodeNeed = 'docker-volumes' | 'docker-privileged';

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

function dockerNeeds(cfg: ProviderConfig): NodeNeed[] {
  const needs: NodeNeed[] = [];
  if (cfg.caCerts.length || cfg.dockerAccess === 'host-socket') needs.push('docker-volumes');
  if (cfg.dockerAccess === 'host-socket') needs.push('docker-privileged');
  return needs;
}

const script = (cfg: ProviderConfig, keepAlive = KEEPALIVE) => `${cfg.caCerts.length ? REFRESH_TRUST : ''}${keepAlive}`;
const shell = (cfg: ProviderConfig, keepAlive?: string) => ({ command: '/bin/sh', args: ['-c', script(cfg, keepAlive)] });

function docker(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { image: cfg.image, ...shell(cfg, keepAlive) };
  if (cfg.caCerts.length) c.mount = cfg.caCerts.map((m) => ({ type: 'bind', source: m.source, target: m.target, readonly: true }));
  if (cfg.registryAuth.mode === 'job') {
    // The password itself is in a Nomad Variable, never in the job (registry-auth.ts).
    const a = cfg.registryAuth;
    c.auth = [{ username: a.username, password: registryPasswordRef, ...(a.server ? { server_address: a.server } : {}) }];
  }
  if (cfg.dockerAccess === 'host-socket') {
    // Explicit opt-in (NOMAD_DOCKER_ACCESS=host-socket): DevPod's docker driver inside the workspace talks to the
    // node's daemon. Anyone in the workspace is root on the node.
    c.privileged = true;
    c.volumes = ['/var/run/docker.sock:/var/run/docker.sock'];
  }
  return c;
}

function podman(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { image: cfg.image, ...shell(cfg, keepAlive) };
  if (cfg.caCerts.length) c.volumes = cfg.caCerts.map((m) => `${m.source}:${m.target}:ro`);
  if (cfg.registryAuth.mode === 'job') c.auth = { username: cfg.registryAuth.username, password: registryPasswordRef };
  return c;
}

function nspawn(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { image: cfg.image, boot: false, command: ['/bin/sh', '-c', script(cfg, keepAlive)], ...cfg.nspawn };
  if (cfg.caCerts.length)
    c.bind_read_only = { ...Object.fromEntries(cfg.caCerts.map((m) => [m.source, m.target])), ...(cfg.nspawn.bind_read_only as object | undefined) };
  return c;
}

const DRIVER_TABLE: Record<Driver, TaskDriver> = {
  docker: { name: 'docker', usesImage: true, config: docker, needs: dockerNeeds },
  podman: { name: 'podman', usesImage: true, config: podman },
  nspawn: { name: 'nspawn', usesImage: true, config: nspawn },
  exec: { name: 'exec', usesImage: false, config: shell },
  raw_exec: { name: 'raw_exec', usesImage: false, config: shell },
};

export const taskDriver = (name: Driver): TaskDriver => DRIVER_TABLE[name];

/** Container drivers, whose exec can end before the last output arrives (see nomad/exec-trailer.ts). */
export const withTrailers = (name: Driver): boolean => DRIVER_TABLE[name].usesImage;
