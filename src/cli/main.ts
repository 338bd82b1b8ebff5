// Entry point of the provider binary: one commander program, one file per command.
import { Command } from 'commander';
import { version } from './version.js';

const program = new Command()
  .name('devpod-provider-nomad')
  .description('DevPod provider for HashiCorp Nomad')
  .version(version, '-v, --version')
  .showHelpAfterError();

await program.parseAsync(process.argv);
