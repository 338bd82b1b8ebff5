// The error of the workspace operations (operations.ts, volume.ts), in a module of its own so that they share it
// without importing each other.

/** A failure the user can act on; the CLI prints the message and exits 1. */
export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}
