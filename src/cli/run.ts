// One funnel for every command, and the one place that sets the process's exit code: an action returns the code
// to leave with (`command` returns the remote command's own, `plan` 1 when it would not place), or nothing for 0;
// anything it throws is written on stderr as `error: <message>` and exits 1. stdout stays untouched, because for
// DevPod it is protocol. Which errors carry a message written for the user is decided by class in
// user-errors.ts, loaded only once a command failed, so that a command that succeeds loads only its own modules.

/** Whether the CLI that runs us asked for debug output: DevPod sets DEVPOD_DEBUG, Devsy DEVSY_DEBUG. */
export const debugOn = (env: NodeJS.ProcessEnv = process.env): boolean => env.DEVPOD_DEBUG === 'true' || env.DEVSY_DEBUG === 'true';

/** The exit code for an error: always 1, with the stack too in debug mode when the message was not written for users. */
async function failed(err: unknown): Promise<number> {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (err instanceof Error && err.stack && debugOn()) {
    const { writtenForUsers } = await import('./user-errors.js');
    if (!writtenForUsers(err)) process.stderr.write(`${err.stack}\n`);
  }
  return 1;
}

/** The command's action, run: it resolves to the exit code to leave with, or to nothing for 0. */
// biome-ignore lint/suspicious/noConfusingVoidType: most actions are `async () => void`; only a few return a code.
export function run<A extends unknown[]>(action: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = (await action(...args)) ?? 0;
    } catch (err) {
      code = await failed(err);
    }
    process.exitCode = code;
  };
}
