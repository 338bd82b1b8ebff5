// One error funnel for every command: a message written for the user on stderr and exit code 1. stdout stays
// untouched, because for DevPod it is protocol.
import { ConfigError } from '../adapters/config.js';
import { NomadError } from '../adapters/nomad/http.js';
import { WaitError } from '../machines/wait.js';
import { WorkspaceError } from '../workspace/operations.js';

/** Wrong or missing input to a command. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const KNOWN = [UsageError, ConfigError, NomadError, WaitError, WorkspaceError];

export function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      const known = KNOWN.some((k) => err instanceof k);
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`error: ${message}\n`);
      if (!known && err instanceof Error && err.stack && process.env.DEVPOD_DEBUG === 'true') process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  };
}
