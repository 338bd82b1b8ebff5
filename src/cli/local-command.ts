// `native local-command`: runs $COMMAND on this machine, stdio and exit code passed through. In native mode DevPod's
// agent is local (agent.local), so the provider's exec.command runs here, not in the workspace. DevPod's own
// providers write it as `"${DEVPOD}" helper sh -c "${COMMAND}"`, which ties the file to one CLI (Devsy names them
// `${DEVSY}` and `devsy internal`); through our own binary the same provider file works with either.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { requireEnv } from './context.js';

export async function localCommand(): Promise<number> {
  const command = requireEnv(process.env, 'COMMAND', 'DevPod sets it to the command to run on this machine');
  const child = spawn('sh', ['-c', command], { stdio: 'inherit' });
  return new Promise<number>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new Error(`cannot run $COMMAND with sh (${err.message}): native mode's exec.command needs a POSIX sh on PATH`)),
    );
    // A signal's death reads as a shell reports it, 128 + the signal's number.
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
