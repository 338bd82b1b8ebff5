// What the drivers run as the task's main process: a keep-alive shell script, after refreshing the trust store when
// CA certificates are mounted; nspawn boots the image's systemd instead (`refreshingFirst` is its trust refresh).
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
export function afterScriptRefresh(argv: string[]): string[] {
  const wait = `i=0; while [ ! -e ${TRUST_MARK} ] && [ $i -lt 600 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done; exec "$@"`;
  return ['/bin/sh', '-c', wait, 'sh', ...argv];
}

/** Where a booted task (nspawn) marks its trust store refreshed: /run, a tmpfs each boot starts empty. */
const BOOT_TRUST_MARK = '/run/devpod-trust-refreshed';

/**
 * `argv` in a task whose main process is the image's init (drivers with `bootsInit`), where no script of ours runs
 * first: the command refreshes the trust store itself unless an earlier command of this boot did. Two first
 * commands at once both refresh, which is harmless.
 */
export function refreshingFirst(argv: string[]): string[] {
  const first = `[ -e ${BOOT_TRUST_MARK} ] || { (update-ca-certificates || update-ca-trust) >/dev/null 2>&1; touch ${BOOT_TRUST_MARK} 2>/dev/null; }; exec "$@"`;
  return ['/bin/sh', '-c', first, 'sh', ...argv];
}

/** The main process's script: the trust refresh (when CAs are mounted), then `keepAlive`. */
const script = (cfg: ProviderConfig, keepAlive = KEEPALIVE) => `${cfg.caCerts.length ? REFRESH_TRUST : ''}${keepAlive}`;

/** `script` as a command and args, the form docker, podman, exec and raw_exec take. */
export const shell = (cfg: ProviderConfig, keepAlive?: string) => ({ command: '/bin/sh', args: ['-c', script(cfg, keepAlive)] });
