// The user switch of native mode: DevPod runs its commands in the devcontainer as DEVCONTAINER_USER, and Nomad's
// exec has no user option, so `native command` wraps them in this small sh script.

/**
 * The shell `native` runs its scripts with: in an image, the `sh` on the container's PATH, as DevPod's own drivers
 * do (`sh -c`): DevPod's dockerless builder image has busybox under /.dockerless/bin and no /bin/sh until its build
 * has run. exec and raw_exec run commands of the node, whose /bin/sh is always there.
 */
export const shellFor = (usesImage: boolean): string => (usesImage ? 'sh' : '/bin/sh');

/**
 * The argv that runs DevPod's command as DEVCONTAINER_USER inside the task. Nomad's exec has no user option, so
 * the switch happens inside, and only when it can: as root, `su` to the user (with the shell found on PATH); already
 * that user, run directly; otherwise (an exec task runs as nobody unless NOMAD_TASK_USER says otherwise, and `su`
 * would wait for a password) run as the task's user and say so on stderr. The command inherits the task's
 * environment (DevPod's dockerless build runs only when it sees DOCKERLESS=true there). `prelude` runs first, as the
 * task's user, in the same shell (named-volumes.ts).
 */
export function commandAs(user: string | undefined, command: string, shell = '/bin/sh', prelude?: string): string[] {
  const script = [
    ...(prelude ? [prelude] : []),
    'if [ -z "$1" ] || [ "$(id -un)" = "$1" ] || [ "$(id -u)" = "$1" ]; then exec "$0" -c "$2"; fi',
    'if [ "$(id -u)" = 0 ]; then exec su "$1" -s "$(command -v "$0")" -c "$2"; fi',
    'echo "devpod-provider-nomad: the task runs as $(id -un) and cannot switch to $1 (set NOMAD_TASK_USER); running as $(id -un)" >&2',
    'exec "$0" -c "$2"',
  ].join('; ');
  return [shell, '-c', script, shell, user ?? '', command];
}
