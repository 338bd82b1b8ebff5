// `create`: registers the workspace job and returns once it runs (or fails with the reason).
import { createWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';

export async function create(): Promise<void> {
  const ctx = commandContext();
  await createWorkspace(ctx.workspace, await ctx.job());
}
