// The user switch of native mode: DevPod runs its commands in the devcontainer as DEVCONTAINER_USER, and Nomad's
// exec has no user option, so `native command` wraps them in this small sh script.

/**
 * The argv that runs DevPod's command as DEVCONTAINER_USER inside the task. Nomad's exec has no user option, so
 * the switch happens inside, and only when it can: as root, `su` to the user; already that user, run directly;
 * otherwise (an exec task runs as nobody unless NOMAD_TASK_USER says otherwise, and `su` would wait for a password)
 * run as the task's user and say so on stderr.
 */
export function commandAs(user: string | undefined, command: string): string[] {
  const script = [
    'if [ -z "$1" ] || [ "$(id -un)" = "$1" ] || [ "$(id -u)" = "$1" ]; then exec /bin/sh -c "$2"; fi',
    'if [ "$(id -u)" = 0 ]; then exec su "$1" -s /bin/sh -c "$2"; fi',
    'echo "devpod-provider-nomad: the task runs as $(id -un) and cannot switch to $1 (set NOMAD_TASK_USER); running as $(id -un)" >&2',
    'exec /bin/sh -c "$2"',
  ].join('; ');
  return ['/bin/sh', '-c', script, 'devpod', user ?? '', command];
}
