// The dry run behind `plan`: validate, then plan, and say in sentences what Nomad would do.
import { redactJob } from '../adapters/jobspec/render.js';
import type { NomadClient } from '../adapters/nomad/client.js';
import { jobDrivers, type NomadJob } from '../adapters/nomad/types.js';
import { describePlacementFailure } from '../machines/placement.js';

export interface PlanReport {
  ok: boolean;
  jobId: string;
  job: NomadJob;
  validation: { errors: string[]; warnings?: string; driverConfigValidated: boolean };
  placement: { placeable: boolean; reasons: string[]; place: number };
  /** What would stop the workspace outside Nomad (a sealed Vault, an unknown Vault role). */
  problems: string[];
  notes: string[];
  text: string;
}

/** `planned`: the job to ask the plan endpoint about when it differs from `job` (see workspace/volume.ts planVolume). */
export async function planWorkspace(
  nomad: NomadClient,
  job: NomadJob,
  opts: { planned?: NomadJob; notes?: string[]; problems?: string[] } = {},
): Promise<PlanReport> {
  const shown = redactJob(job);
  const v = (await nomad.jobs.validate(job)).data;
  const errors = [...(v.ValidationErrors ?? []), ...(v.Error && !(v.ValidationErrors ?? []).length ? [v.Error] : [])];
  let placement = { placeable: false, reasons: [] as string[], place: 0 };
  if (errors.length === 0) {
    const p = (await nomad.jobs.plan(opts.planned ?? job, false)).data;
    const failure = describePlacementFailure(p.FailedTGAllocs, { drivers: jobDrivers(job) });
    const place = Object.values(p.Annotations?.DesiredTGUpdates ?? {}).reduce((n, u) => n + (u.Place ?? 0), 0);
    placement = { placeable: !failure, reasons: failure ? failure.split('. ') : [], place };
  }
  const task = job.TaskGroups?.[0]?.Tasks[0];
  const res = (task?.Resources ?? {}) as { CPU?: number; Cores?: number; MemoryMB?: number };
  const lines = [
    `job ${job.ID} (namespace ${job.Namespace ?? 'default'}${job.Region ? `, region ${job.Region}` : ''}, datacenters ${(job.Datacenters ?? []).join(',')})`,
    `  task ${task?.Name}: driver ${task?.Driver}${typeof task?.Config?.image === 'string' ? `, image ${task.Config.image}` : ''}`,
    `  resources: ${res.Cores ? `${res.Cores} cores` : `${res.CPU} MHz`}, ${res.MemoryMB} MB memory, ${(job.TaskGroups?.[0] as { EphemeralDisk?: { SizeMB?: number } })?.EphemeralDisk?.SizeMB} MB disk`,
    // Published ports (NOMAD_PORTS): what will be reachable without SSH, and under which service.
    ...((job.TaskGroups?.[0]?.Services as { Name: string; PortLabel: string }[] | null | undefined) ?? []).map(
      (s) => `  publishes: port ${s.PortLabel} as Nomad service ${s.Name}, reachable on the node (docs/security.md)`,
    ),
    errors.length
      ? `validation: ${errors.length} error(s)\n${errors.map((e) => `  - ${e}`).join('\n')}`
      : `validation: ok${v.DriverConfigValidated ? '' : ' (driver config not checked: no client has the driver)'}`,
    ...(opts.notes ?? []),
    ...(opts.problems ?? []).map((p) => `problem: ${p}`),
    errors.length
      ? 'placement: not planned (fix validation first)'
      : placement.placeable
        ? `placement: would place ${placement.place} allocation(s)`
        : `placement: would NOT be placed\n${placement.reasons.map((r) => `  - ${r}`).join('\n')}`,
    '',
    'rendered job (secrets redacted):',
    JSON.stringify(shown, null, 2),
    '',
  ];
  const problems = opts.problems ?? [];
  return {
    ok: errors.length === 0 && placement.placeable && problems.length === 0,
    problems,
    notes: opts.notes ?? [],
    jobId: job.ID,
    job: shown,
    validation: { errors, warnings: v.Warnings || undefined, driverConfigValidated: v.DriverConfigValidated },
    placement,
    text: lines.join('\n'),
  };
}
