// What each DevPod command does to one workspace job: the glue between config, job builder, Nomad client and the
// lifecycle machine. Every wait is on the machine (events, follow.ts), bounded by the configured timeout; never a
// sleep. What the workspace is now (status, the allocation to exec into) is observe.ts.
import type { NomadJob } from '../adapters/nomad/types.js';
import { WORKSPACE_META as META, withoutWorkspaceMeta } from '../adapters/nomad/workspace-meta.js';
import { ON_THE_WAY_UP } from '../machines/busy.js';
import { untilCommandsRun } from './boot-wait.js';
import { WorkspaceError } from './errors.js';
import { follow, seconds, stopWaitMs, waitFailure } from './follow.js';
import { observe } from './observe.js';
import { readOwnJob } from './ownership.js';
import { withCurrentPortsLogged } from './ports.js';
import { registerKeepingCredential, removeRegistryCredential, storeRegistryCredential } from './registry-credential.js';
import type { Workspace } from './types.js';
import { ensureWorkspaceVolume, removeWorkspaceVolume } from './volume.js';

/** Registers the workspace job (or converges an existing one) and returns once it runs and takes commands. */
export async function createWorkspace(ws: Workspace, job: NomadJob): Promise<void> {
  const existing = await readOwnJob(ws, 'take over');
  // A volume the provider creates comes first: the job names it, and Nomad places the job on the volume's node.
  await ensureWorkspaceVolume(ws);
  // So does the registry password: the task's template waits for the variable it is kept in.
  await storeRegistryCredential(ws);
  if (existing) {
    if (!existing.Stop) {
      ws.log(`${ws.jobId}: already registered; waiting for it to run`);
      await waitOrStop(ws, () => follow(ws, 'running'));
      await untilCommandsRun(ws);
      return;
    }
    ws.log(`${ws.jobId}: registered but stopped; starting it with the current options`);
  }
  const res = await registerKeepingCredential(ws, job, existing);
  ws.log(`${ws.jobId}: registered (evaluation ${res.data.EvalID.slice(0, 8)})`);
  await waitOrStop(ws, () => follow(ws, 'running'));
  await untilCommandsRun(ws);
}

/**
 * Waits; when the workspace can never run as it is (placement failure, crash loop) or is still on its way up at
 * NOMAD_TIMEOUT, stops the job so Nomad does not keep at it in the background, and says how to look closer. The
 * definition stays for diagnosis. Stopped, not left Busy: DevPod's fork polls a Busy workspace without end, while
 * on Stopped it calls `start`, which tries once more and fails with the reason.
 */
async function waitOrStop(ws: Workspace, wait: () => Promise<unknown>): Promise<void> {
  try {
    await wait();
  } catch (err) {
    const failure = await waitFailure(err);
    if (failure?.state === 'failed') {
      const reason = failure.observation.reason ?? 'unknown reason';
      await stopWithReason(ws, reason);
      throw new WorkspaceError(
        `workspace ${ws.jobId} cannot run: ${reason}. ` +
          `The job was stopped and kept for inspection (nomad job status ${ws.jobId}); devpod delete removes it.`,
      );
    }
    if (failure?.timedOut && ON_THE_WAY_UP.includes(failure.state)) {
      const { state, observation } = failure;
      await stopWithReason(
        ws,
        `did not run within NOMAD_TIMEOUT (${seconds(ws.config.timeoutMs)}); it was ${state}${observation.reason ? `: ${observation.reason}` : ''}`,
      );
      throw new WorkspaceError(
        `${failure.message}. The job was stopped and kept for inspection (nomad job status ${ws.jobId}); ` +
          'devpod up tries again, devpod delete removes it.',
      );
    }
    throw err;
  }
}

/**
 * Stops the job and keeps the cause in its meta (one registration of the same job with Stop set), so that
 * `status` still says why after the allocations and evaluations that showed it are gone. A plain stop if that fails.
 * Returns once the allocation has ended (bounded by NOMAD_TIMEOUT), so that the next `status` says Stopped, not
 * Busy while it shuts down.
 */
async function stopWithReason(ws: Workspace, reason: string): Promise<void> {
  try {
    const job = (await ws.nomad.jobs.read(ws.jobId)).data;
    if (job)
      await ws.nomad.jobs.register({ ...job, Stop: true, Meta: { ...withoutWorkspaceMeta(job.Meta, 'stopReason'), [META.stopReason]: reason } });
    else await ws.nomad.jobs.stop(ws.jobId);
  } catch {
    await ws.nomad.jobs.stop(ws.jobId).catch(() => undefined);
  }
  // The caller's error is the one to report; a stop that is slow to finish only leaves `stopping` (Busy) a while.
  await follow(ws, 'stopped', ['notFound', 'unreachable'], stopWaitMs(ws)).catch(() => undefined);
}

/** The job without the kept stop cause: what start registers again. */
function withoutStopReason(job: NomadJob): NomadJob {
  return { ...job, Meta: withoutWorkspaceMeta(job.Meta, 'stopReason') };
}

/** Starts a stopped (or failed) workspace from its kept definition. */
export async function startWorkspace(ws: Workspace): Promise<void> {
  const job = await readOwnJob(ws, 'start');
  if (!job)
    throw new WorkspaceError(
      `workspace ${ws.jobId} does not exist in Nomad namespace "${ws.config.connection.namespace ?? 'default'}"; run devpod up to create it.`,
    );
  const now = await observe(ws);
  if (now.state === 'running') {
    ws.log(`${ws.jobId}: already running`);
    return;
  }
  // A workspace on its way up for longer than NOMAD_TIMEOUT (status said Stopped) starts over, like a failed one.
  const again = now.state === 'failed' || now.state === 'stopped' || now.overdue === true;
  if (!job.Stop && again) {
    // A failed or finished allocation is not replaced by registering the same job again: stop it first.
    if (now.overdue) ws.log(`${ws.jobId}: ${now.reason}; starting it over`);
    await ws.nomad.jobs.stop(ws.jobId);
    await follow(ws, 'stopped', ['notFound', 'unreachable'], stopWaitMs(ws)).catch(async (err: unknown) => {
      // Registering again places a new allocation whether or not the old one has ended.
      const failure = await waitFailure(err);
      if (failure?.state !== 'stopping' || !failure.timedOut) throw err;
      ws.log(`${ws.jobId}: allocation ${failure.observation.allocId?.slice(0, 8) ?? '?'} still shutting down; starting anyway`);
    });
  }
  if (job.Stop || again) {
    await storeRegistryCredential(ws);
    const res = await registerKeepingCredential(ws, { ...withCurrentPortsLogged(ws, withoutStopReason(job)), Stop: false }, job);
    ws.log(`${ws.jobId}: started (evaluation ${res.data.EvalID.slice(0, 8)})`);
  }
  await waitOrStop(ws, () => follow(ws, 'running'));
  await untilCommandsRun(ws);
}

/** Stops the workspace's allocation, keeping the job definition for a later start. */
export async function stopWorkspace(ws: Workspace): Promise<void> {
  const job = await readOwnJob(ws, 'stop');
  if (!job) {
    ws.log(`${ws.jobId}: no such job; nothing to stop`);
    return;
  }
  await ws.nomad.jobs.stop(ws.jobId);
  await follow(ws, 'stopped', ['notFound', 'unreachable']);
}

/**
 * Stops the job and waits until its allocations ended on their clients, then purges it; a workspace that is already
 * gone counts as deleted. A purge alone removes the allocations from the API at once, while their tasks may run on
 * for up to the kill timeout: DevPod would hear "deleted" while the container still holds the node's resources.
 */
export async function deleteWorkspace(ws: Workspace): Promise<void> {
  const job = await readOwnJob(ws, 'delete');
  if (!job) {
    ws.log(`${ws.jobId}: already gone`);
    await removeRegistryCredential(ws, undefined);
    await removeWorkspaceVolume(ws);
    return;
  }
  if (!job.Stop) await ws.nomad.jobs.stop(ws.jobId);
  await follow(ws, 'stopped', ['notFound', 'unreachable']).catch(async (err: unknown) => {
    // Purged meanwhile (another delete): nothing is left to wait for.
    if ((await waitFailure(err))?.state !== 'notFound') throw err;
  });
  await ws.nomad.jobs.purge(ws.jobId);
  await follow(ws, 'notFound', ['unreachable']);
  await removeRegistryCredential(ws, job);
  // Only now: Nomad refuses to delete a volume while an allocation that mounts it has not ended on its client.
  await removeWorkspaceVolume(ws);
}
