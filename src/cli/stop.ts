// `stop`: stops the workspace's allocation; the job definition stays for `start`.
import type { Command } from 'commander';
import { stopWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';
import { run } from './run.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('stop the workspace job for $MACHINE_ID, keeping its definition')
    .action(run(async () => stopWorkspace(commandContext().workspace)));
}
