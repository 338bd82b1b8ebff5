// INACTIVITY_TIMEOUT in machine mode. DevPod's agent inside the workspace measures idleness (its daemon, which it
// installs when provider.yaml has agent.exec.shutdown) and, after agent.inactivityTimeout, runs that shutdown
// command. Ours needs no Nomad token inside the workspace, as the Go providers' `${PROVIDER} stop` would: it touches
// a stop file that the workspace's main process watches. That process exits 0, and the job (a batch job when
// INACTIVITY_TIMEOUT is set) ends complete: `status` says Stopped, and `devpod up` starts it again.
//
// The file is keyed by DevPod's MACHINE_ID, which the shutdown's environment always carries (DevPod adds the
// provider options and machine variables): under raw_exec every workspace on a client shares the host's /tmp, and
// DevPod may run its daemon as a host service (SysV init), without the task's environment.

/** A machine's stop file, `<STOP_FILE[0]><id><STOP_FILE[1]>`, the id reduced to [A-Za-z0-9_.-] in both halves. */
const STOP_FILE = ['/tmp/devpod-nomad-', '.stop'] as const;

export const stopFileFor = (machineId: string): string => `${STOP_FILE[0]}${machineId.replace(/[^A-Za-z0-9_.-]/g, '_')}${STOP_FILE[1]}`;

/**
 * provider.yaml's agent.exec.shutdown, run by DevPod's daemon with bash or sh. A no-op unless INACTIVITY_TIMEOUT is
 * set: without it DevPod would still run it after its default 20 minutes, and the job keeps running anyway. `$VAR`,
 * not `${VAR}`: the shell expands these at run time; DevPod resolves nothing in exec.shutdown.
 */
export const SHUTDOWN_COMMAND = `[ -z "$INACTIVITY_TIMEOUT" ] || touch "${STOP_FILE[0]}$(printf %s "$MACHINE_ID" | tr -c 'A-Za-z0-9_.-' '_')${STOP_FILE[1]}"`;

/**
 * The workspace's main process when INACTIVITY_TIMEOUT is set: like KEEPALIVE it exits 0 at once on SIGTERM, and it
 * also exits 0 once the stop file is newer than its own start, so a stop file left from before (an earlier run, or
 * DevPod's host daemon repeating its shutdown while the workspace was stopped) never ends the next run. It looks
 * every 5 s; DevPod's daemon itself looks once a minute. No braces: Nomad reads `${…}` in driver config as its own.
 */
export function idleKeepAlive(machineId: string): string {
  const started = '"$NOMAD_TASK_DIR/.devpod-started"';
  return (
    `trap 'exit 0' TERM INT; touch ${started}; while [ ! ${stopFileFor(machineId)} -nt ${started} ]; do sleep 5 & wait $!; done; ` +
    `echo 'devpod-provider-nomad: DevPod ran its inactivity shutdown (INACTIVITY_TIMEOUT); the workspace ends, stopped.' >&2; exit 0`
  );
}

/** The idle watch's unit on a booted task, one per boot. */
const WATCH_UNIT = 'devpod-idle-watch';

/**
 * `argv` on a task whose main process is the image's own init (nspawn boots systemd), where no keep-alive script of
 * ours runs: the command first starts the idle watch as a unit of that systemd unless one runs already (the first
 * command of each boot starts it). The watch powers the container off once the stop file is newer than its own
 * start: systemd-nspawn then exits 0, and the batch job ends complete, i.e. stopped. systemd-run hands the unit its
 * argv as is, and systemd expands `$` in it, so the watch holds no `$`.
 */
export function withIdleWatch(machineId: string, argv: string[]): string[] {
  const started = '/run/devpod-started';
  const watch =
    `touch ${started}; while [ ! ${stopFileFor(machineId)} -nt ${started} ]; do sleep 5; done; ` +
    `echo 'devpod-provider-nomad: DevPod ran its inactivity shutdown (INACTIVITY_TIMEOUT); the workspace ends, stopped.' >&2; systemctl poweroff`;
  const start = `systemctl is-active -q ${WATCH_UNIT} 2>/dev/null || systemd-run -q --unit=${WATCH_UNIT} /bin/sh -c "$0" >/dev/null 2>&1; exec "$@"`;
  return ['/bin/sh', '-c', start, watch, ...argv];
}
