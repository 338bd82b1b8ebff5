// The error of the workspace modules (operations, observe, the volumes, vault), in a module of its own so that they
// share it without importing each other. The CLI prints its message alone and exits 1 (cli/run.ts).

/** A failure the user can act on. */
export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}
