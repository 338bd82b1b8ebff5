// Entry point of the provider binary. The calls DevPod makes most, exactly as it makes them — `status` (polled for
// every workspace `devpod list` shows), `command` and `native command` (every SSH session and agent call) and
// `--version` — are dispatched here, without commander: building the whole program (program.ts: every command, its
// options and help) is work these calls do not need. Anything else — other commands, any option or argument,
// help, mistakes — goes to the commander program, loaded then, so its parsing and error messages stay the only ones.
import { run } from './run.js';
import { version } from './version.js';

/** The action for `args` when it is one of the calls dispatched here, else undefined (commander's to parse). */
function fastPath(args: string[]): (() => Promise<void>) | undefined {
  const call = args.join(' ');
  if (call === '--version' || call === '-v') return async () => void process.stdout.write(`${version}\n`);
  if (call === 'status') return run(async () => (await import('./status.js')).status({ output: 'plain' }));
  if (call === 'command') return run(async () => (await import('./command.js')).command());
  if (call === 'native command') return run(async () => (await import('./native.js')).nativeCommand());
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  const fast = fastPath(argv.slice(2));
  if (fast) return fast();
  await (await import('./program.js')).program.parseAsync(argv);
}

await main(process.argv);
