// The error of wrong or missing input to a command, in a module of its own with no dependencies: every command
// throws it, and the CLI's funnel (run.ts) prints its message alone.

/** Wrong or missing input to a command. */
export class UsageError extends Error {
  override name = 'UsageError';
}
