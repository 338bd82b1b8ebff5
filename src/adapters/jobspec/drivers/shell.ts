// What every driver runs as the task's main process: a keep-alive shell script, after refreshing the trust store
// when CA certificates are mounted. Drivers with their own command syntax (nspawn) take `script`; the others `shell`.
import type { ProviderConfig } from '../../config/index.js';

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

/** The main process's script: the trust refresh (when CAs are mounted), then `keepAlive`. */
export const script = (cfg: ProviderConfig, keepAlive = KEEPALIVE) => `${cfg.caCerts.length ? REFRESH_TRUST : ''}${keepAlive}`;

/** `script` as a command and args, the form docker, podman, exec and raw_exec take. */
export const shell = (cfg: ProviderConfig, keepAlive?: string) => ({ command: '/bin/sh', args: ['-c', script(cfg, keepAlive)] });
