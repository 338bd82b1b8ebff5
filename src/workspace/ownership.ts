// Whose job it is: a job of the workspace's id that DevPod did not make (no machine-id meta, or another machine's)
// is never taken over, stopped or deleted (operations.ts), and reads as no workspace (observe.ts).
import type { NomadJob } from '../adapters/nomad/types.js';
import { WORKSPACE_META as META, workspaceMeta } from '../adapters/nomad/workspace-meta.js';
import { WorkspaceError } from './errors.js';
import type { Workspace } from './types.js';

/** Why a job by the workspace's id is not this workspace's, or undefined when it is. */
export function foreignReason(ws: Workspace, job: NomadJob): string | undefined {
  const owner = workspaceMeta(job, 'machineId');
  if (owner === ws.machineId) return undefined;
  return `Nomad job "${ws.jobId}" exists but ${owner ? `belongs to DevPod machine "${owner}"` : `was not created by DevPod (it has no "${META.machineId}" meta)`}`;
}

/** The workspace's job, or undefined when there is none; a job of the same id that DevPod did not make is refused. */
export async function readOwnJob(ws: Workspace, doing: string): Promise<NomadJob | undefined> {
  const job = (await ws.nomad.jobs.read(ws.jobId)).data;
  const foreign = job && foreignReason(ws, job);
  if (foreign) {
    throw new WorkspaceError(
      `${foreign}; refusing to ${doing} it. Remove it yourself (nomad job stop -purge ${ws.jobId}) or use another machine name.`,
    );
  }
  return job;
}
