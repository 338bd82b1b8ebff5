// One error funnel for every command: a message written for the user on stderr and exit code 1. stdout stays
// untouched, because for DevPod it is protocol. Errors are recognised by name so that this module loads nothing.

/** Whether the CLI that runs us asked for debug output: DevPod sets DEVPOD_DEBUG, Devsy DEVSY_DEBUG. */
export const debugOn = (env: NodeJS.ProcessEnv = process.env): boolean => env.DEVPOD_DEBUG === 'true' || env.DEVSY_DEBUG === 'true';

/** Wrong or missing input to a command. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Errors whose message is written for the user (ConfigError, NomadError, WaitError, WorkspaceError, UsageError). */
const FOR_USERS = new Set(['UsageError', 'ConfigError', 'NomadError', 'WaitError', 'WorkspaceError']);

export function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`error: ${message}\n`);
      if (err instanceof Error && !FOR_USERS.has(err.name) && err.stack && debugOn()) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  };
}
