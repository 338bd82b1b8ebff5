// `create`: registers the workspace job and returns once it runs (or fails with the reason).
import { createWorkspace } from '../workspace/operations.js';
import { announcePorts } from '../workspace/ports.js';
import { assertVaultUsable } from '../workspace/vault.js';
import { commandContext } from './context.js';

export async function create(): Promise<void> {
  const ctx = commandContext();
  const job = await ctx.job();
  await assertVaultUsable(ctx.config, ctx.workspace.log, ctx.cluster);
  await createWorkspace(ctx.workspace, job);
  await announcePorts(ctx.workspace);
}
