// The registry password of NOMAD_REGISTRY_AUTH=job, kept in the Nomad Variable the workspace task reads it from
// (jobspec/registry-auth.ts): written before the job is registered (create, start), so the task never waits for it;
// removed again when that registration fails (registerKeepingCredential), and after the job is purged.
import { REGISTRY_PASSWORD_ITEM, registryTemplate, registryVariablePath } from '../adapters/jobspec/registry-auth.js';
import type { NomadJob } from '../adapters/nomad/types.js';
import type { Workspace } from './types.js';

/** Whether a job's tasks read the workspace's registry variable (it may have been made under other options). */
export const readsRegistryVariable = (job: NomadJob, jobId: string): boolean =>
  (job.TaskGroups ?? []).some((g) =>
    g.Tasks.some((t) =>
      ((t.Templates as Array<{ EmbeddedTmpl?: string }> | undefined) ?? []).some((tp) => tp.EmbeddedTmpl === registryTemplate(jobId)),
    ),
  );

/**
 * Writes the password where the task will look for it. Written on every create and start with the options of the
 * moment, so a user who changed NOMAD_REGISTRY_PASSWORD gets the new one at the next pull.
 */
export async function storeRegistryCredential(ws: Workspace): Promise<void> {
  const auth = ws.config.registryAuth;
  if (auth.mode !== 'job') return;
  const path = registryVariablePath(ws.jobId);
  await ws.nomad.variables.put(path, { [REGISTRY_PASSWORD_ITEM]: auth.password });
  ws.log(`${ws.jobId}: registry password stored in Nomad variable ${path}`);
}

/** Removes the variable when the options or the job say there is one; a missing one is fine. */
export async function removeRegistryCredential(ws: Workspace, job: NomadJob | undefined): Promise<void> {
  if (ws.config.registryAuth.mode !== 'job' && !(job && readsRegistryVariable(job, ws.jobId))) return;
  const path = registryVariablePath(ws.jobId);
  await ws.nomad.variables.delete(path);
  ws.log(`${ws.jobId}: Nomad variable ${path} deleted`);
}

/**
 * Registers `job`. When Nomad refuses it, the password stored for it is removed again, unless a job already
 * registered (`existing`) reads it: no password is left behind for a job that does not exist.
 */
export async function registerKeepingCredential(
  ws: Workspace,
  job: NomadJob,
  existing: NomadJob | undefined,
): ReturnType<Workspace['nomad']['jobs']['register']> {
  try {
    return await ws.nomad.jobs.register(job);
  } catch (err) {
    if (ws.config.registryAuth.mode === 'job' && !(existing && readsRegistryVariable(existing, ws.jobId))) {
      await removeRegistryCredential(ws, undefined).catch((cleanup: unknown) =>
        ws.log(
          `${ws.jobId}: could not remove the Nomad variable ${registryVariablePath(ws.jobId)} (${(cleanup as Error).message}); delete removes it`,
        ),
      );
    }
    throw err;
  }
}
