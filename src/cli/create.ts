// `create`: registers the workspace job and returns once it runs (or fails with the reason).
import type { Command } from 'commander';
import { createWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';
import { run } from './run.js';

export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('create the workspace job for $MACHINE_ID and wait until it runs')
    .action(run(async () => {
      const ctx = commandContext();
      const job = ctx.job();
      await createWorkspace(ctx.workspace, job, ctx.request.machineId);
    }));
}
