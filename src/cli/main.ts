// Entry point of the provider binary: one commander program, one file per command.
import { Command } from 'commander';
import { registerCommand } from './command.js';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerInit } from './init.js';
import { registerStart } from './start.js';
import { registerStatus } from './status.js';
import { registerStop } from './stop.js';
import { version } from './version.js';

const program = new Command()
  .name('devpod-provider-nomad')
  .description('DevPod provider for HashiCorp Nomad')
  .version(version, '-v, --version')
  .showHelpAfterError();

for (const register of [registerInit, registerCreate, registerDelete, registerStart, registerStop, registerStatus, registerCommand]) {
  register(program);
}

await program.parseAsync(process.argv);
