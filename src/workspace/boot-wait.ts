// On drivers that boot the image's init (nspawn), a running task does not yet take commands: the driver's exec is
// `systemd-run --machine`, which talks to the container's D-Bus, and Nomad reports the task running as soon as the
// machine is registered, a few seconds before the image's systemd has started D-Bus. An exec then fails ("Failed to
// connect to bus"), and while its stdin stays open (DevPod's always does) the driver never reports the exit: the
// command would hang. So create and start return only once a probe with its stdin closed runs.
import { Writable } from 'node:stream';
import { taskDriver } from '../adapters/jobspec/drivers/index.js';
import { TASK } from '../adapters/jobspec/workspace-job.js';
import { WorkspaceError } from './errors.js';
import { seconds } from './follow.js';
import { runningAllocation } from './observe.js';
import type { Workspace } from './types.js';

/** How long a booted workspace may take to take commands, within NOMAD_TIMEOUT. */
export const BOOT_WAIT_MS = 60_000;
const PROBE_PAUSE_MS = 250;

/** Output of the probe, kept for the message if the boot never completes. */
class Tail extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text = (this.text + chunk.toString()).slice(-400);
    done();
  }
}

/** Returns once the workspace's task takes commands; at once on drivers whose exec needs no boot. */
export async function untilCommandsRun(ws: Workspace, limitMs = Math.min(BOOT_WAIT_MS, ws.config.timeoutMs)): Promise<void> {
  if (!taskDriver(ws.config.driver).bootsInit) return;
  const allocId = await runningAllocation(ws);
  // The websocket client only here, for the drivers that need it (see exec.ts).
  const { execInAllocation } = await import('../adapters/nomad/exec.js');
  const deadline = Date.now() + limitMs;
  const out = new Tail();
  for (;;) {
    const code = await execInAllocation(ws.nomad.http, {
      allocId,
      task: TASK,
      command: ['/bin/true'],
      tty: false,
      stdin: null,
      stdout: out,
      stderr: out,
    }).catch((err: unknown) => {
      out.text = String(err);
      return -1;
    });
    if (code === 0) return;
    if (Date.now() >= deadline)
      throw new WorkspaceError(
        `workspace ${ws.jobId} runs, but its image's systemd took no command within ${seconds(limitMs)} (the ${ws.config.driver} driver runs each one with systemd-run --machine): ${out.text.trim() || `exit ${code}`}`,
      );
    await new Promise((r) => setTimeout(r, PROBE_PAUSE_MS));
  }
}
