// `command`: runs $COMMAND with sh inside the workspace task, byte-exact both ways, and exits with its code.
import { commandArgv } from '../adapters/jobspec/drivers/index.js';
import { execInWorkspace } from '../workspace/exec.js';
import { runningAllocation } from '../workspace/observe.js';
import { commandContext, log, requireEnv } from './context.js';

export async function command(): Promise<number> {
  const script = requireEnv(process.env, 'COMMAND', 'DevPod sets it to the shell command to run in the workspace');
  const ctx = commandContext();
  const allocId = await runningAllocation(ctx.workspace);
  // A TTY only for a person at a terminal: DevPod pipes its agent binary and SSH through here, which a PTY
  // would corrupt (it echoes input and rewrites line endings).
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (tty) process.stdin.setRawMode(true);
  try {
    return await execInWorkspace(ctx.workspace, allocId, {
      command: commandArgv(ctx.config, ['/bin/sh', '-c', script], ctx.workspace.machineId),
      tty,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      size: () => (process.stdout.isTTY ? { rows: process.stdout.rows, cols: process.stdout.columns } : undefined),
      // stderr is the command's own; say it only when DevPod runs in debug mode.
      onRestart:
        process.env.DEVPOD_DEBUG === 'true'
          ? (n) => log(`exec ${n} ended before the command started (Nomad's docker exec race); running it again`)
          : undefined,
      onResize: (notify) => {
        process.stdout.on('resize', notify);
        return () => process.stdout.off('resize', notify);
      },
    });
  } finally {
    if (tty) process.stdin.setRawMode(false);
    process.stdin.destroy();
  }
}
