// The provider's commander program: every command, its options and help; each command's code lives in its own file
// and is loaded only when that command runs, so `status` (polled by DevPod) never pays for the exec tunnel, and so
// on. main.ts loads this module for everything but the few calls it dispatches itself.
import { Command, Option } from 'commander';
import { run } from './run.js';
import { version } from './version.js';

export const program = new Command()
  .name('devpod-provider-nomad')
  .description('DevPod provider for HashiCorp Nomad')
  .version(version, '-v, --version')
  .showHelpAfterError();

// The DevPod machine-provider commands: no arguments, everything from DevPod's environment.
const DEVPOD_COMMANDS: [name: string, description: string, action: () => Promise<void>][] = [
  ['init', 'check the provider options and that Nomad is reachable with the token given', async () => (await import('./init.js')).init()],
  ['create', 'create the workspace job for $MACHINE_ID and wait until it runs', async () => (await import('./create.js')).create()],
  ['start', 'start the stopped workspace job for $MACHINE_ID and wait until it runs', async () => (await import('./start.js')).start()],
  ['stop', 'stop the workspace job for $MACHINE_ID, keeping its definition', async () => (await import('./stop.js')).stop()],
  ['delete', 'stop and purge the workspace job for $MACHINE_ID', async () => (await import('./delete.js')).remove()],
  [
    'describe',
    'print the workspace job, state and reason, allocation, node, driver, resources and volume, in plain text',
    async () => (await import('./describe.js')).describe(),
  ],
];
for (const [name, description, action] of DEVPOD_COMMANDS) program.command(name).description(description).action(run(action));
program
  .command('status')
  .description('print the workspace status: Running, Busy, Stopped or NotFound')
  .addOption(new Option('-o, --output <format>', 'plain (the one word DevPod reads) or json (state, reason, allocation, node)').default('plain'))
  .action(run(async (opts: { output: string }) => (await import('./status.js')).status(opts)));
program
  .command('plan')
  .description('dry run: render the workspace job, validate it and ask Nomad where it would be placed (nothing is registered)')
  .addOption(new Option('-o, --output <format>', 'text or json').default('text'))
  .option('--set <KEY=VALUE>', 'override an option for this plan (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--machine <name>', 'machine name to plan for (default $MACHINE_ID, else plan-preview)')
  .action(run(async (opts: { output: string; set: string[]; machine?: string }) => (await import('./plan.js')).plan(opts)));
program
  .command('command')
  .description('run $COMMAND inside the workspace (stdin, stdout, stderr and exit code passed through)')
  .action(run(async () => (await import('./command.js')).command()));

// DevPod's custom driver (native mode: the devcontainer is the Nomad task), called by DevPod's local agent.
const native = program.command('native').description('DevPod custom-driver commands: the devcontainer runs as the Nomad task ($DEVCONTAINER_ID)');
const NATIVE: [
  name: string,
  description: string,
  fn: 'nativeFind' | 'nativeRun' | 'nativeStart' | 'nativeStop' | 'nativeDelete' | 'nativeCommand' | 'nativeTargetArchitecture' | 'nativeDescribe',
][] = [
  ['find', 'print the devcontainer details DevPod expects, or nothing', 'nativeFind'],
  ['run', 'run $DEVCONTAINER_RUN_OPTIONS as a Nomad job and wait until it runs', 'nativeRun'],
  ['start', 'start the stopped devcontainer job', 'nativeStart'],
  ['stop', 'stop the devcontainer job, keeping it', 'nativeStop'],
  ['delete', 'stop and purge the devcontainer job', 'nativeDelete'],
  ['command', 'run $DEVCONTAINER_COMMAND as $DEVCONTAINER_USER in the devcontainer task', 'nativeCommand'],
  ['target-architecture', 'print amd64 or arm64 for the node the devcontainer runs (or would run) on', 'nativeTargetArchitecture'],
  ['describe', 'print the devcontainer job, state, node, driver, resources and volume ($DEVCONTAINER_ID, else $WORKSPACE_ID)', 'nativeDescribe'],
];
for (const [name, description, fn] of NATIVE)
  native
    .command(name)
    .description(description)
    .action(run(async () => (await import('./native.js'))[fn]()));
native
  .command('local-command')
  .description("run $COMMAND on this machine (native mode's exec.command: DevPod's agent is local), stdio and exit code passed through")
  .action(run(async () => (await import('./local-command.js')).localCommand()));

program
  .command('inspect')
  .description("serve a live page (127.0.0.1 only) with each workspace's lifecycle machine, state, reason and event timeline")
  .argument('[workspace...]', 'machine names or devpod-* job ids (default: every devpod-* job)')
  .option('-p, --port <port>', 'port on 127.0.0.1 (0 picks a free one)', '0')
  .action(run(async (names: string[], opts: { port: string }) => (await import('./inspect.js')).inspect(names, opts)));
program
  .command('watch')
  .description('print one line per lifecycle transition of the workspaces (the inspector feed, in the terminal)')
  .argument('[workspace...]', 'machine names or devpod-* job ids (default: every devpod-* job)')
  .option('--url <url>', 'a running inspector to read from (default: start one in this process)')
  .action(run(async (names: string[], opts: { url?: string }) => (await import('./watch.js')).watch(names, opts)));
