// `delete`: stops and purges the workspace job; a missing one counts as deleted.
import type { Command } from 'commander';
import { deleteWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';
import { run } from './run.js';

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('stop and purge the workspace job for $MACHINE_ID')
    .action(run(async () => deleteWorkspace(commandContext().workspace)));
}
