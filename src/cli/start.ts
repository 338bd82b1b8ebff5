// `start`: runs a stopped workspace again from its kept job definition.
import type { Command } from 'commander';
import { startWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';
import { run } from './run.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the stopped workspace job for $MACHINE_ID and wait until it runs')
    .action(run(async () => startWorkspace(commandContext().workspace)));
}
