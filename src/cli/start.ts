// `start`: runs a stopped workspace again from its kept job definition.
import { startWorkspace } from '../workspace/operations.js';
import { announcePorts } from '../workspace/ports.js';
import { assertVaultUsable } from '../workspace/vault.js';
import { commandContext } from './context.js';

export async function start(): Promise<void> {
  const ctx = commandContext();
  await assertVaultUsable(ctx.config, ctx.workspace.log, ctx.cluster);
  await startWorkspace(ctx.workspace);
  await announcePorts(ctx.workspace);
}
