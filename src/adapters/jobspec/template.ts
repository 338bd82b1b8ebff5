// NOMAD_JOB_TEMPLATE: a team's own Nomad job (HCL or JSON) that the workspace job is merged into, as DevPod's
// Kubernetes provider takes a pod manifest. Placeholders such as ${MACHINE_ID} are filled in as text first (HCL would
// read them as variables); the agent parses HCL (/v1/jobs/parse, so any HCL the cluster accepts works); then the
// provider merges in what it needs and refuses a template that would break the contract, before anything is submitted.
//
// The contract: one task group (sidecars go next to the workspace task in it), a task named "workspace" that the
// provider execs into, and no ID, namespace or driver other than the provider's. The provider sets the job's ID,
// name, type, namespace, region and update block, the group's name, count, restart/reschedule policy and disk, and
// the workspace task's driver, resources and its driver config keys (image, command, mounts); the template keeps
// everything else (other tasks, constraints, affinities, networks, services, env, templates, meta), and constraints,
// env, meta and templates are combined with the provider's.
// This file fills the placeholders and parses the template; the contract's checks and the merge are
// template-merge.ts.
import { ConfigError } from '../config/errors.js';
import type { JobTemplate } from '../config/index.js';
import { NomadError } from '../nomad/errors.js';
import type { NomadJob } from '../nomad/types.js';
import { contractProblems, mergeInto } from './template-merge.js';

export const PLACEHOLDERS = ['MACHINE_ID', 'WORKSPACE_ID', 'JOB_ID', 'IMAGE', 'VOLUME_MOUNT', 'NAMESPACE'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A template the provider cannot use: a ConfigError whose one problem names NOMAD_JOB_TEMPLATE and the file. */
export class TemplateError extends ConfigError {
  constructor(template: Pick<JobTemplate, 'path'>, problems: string[]) {
    super([`NOMAD_JOB_TEMPLATE=${JSON.stringify(template.path)} cannot be used: ${problems.join('; ')}`]);
  }
}

/** A value for a quoted string of the template's language: JSON escapes, and in HCL no `${`/`%{` templates either. */
function escapeFor(format: JobTemplate['format'], value: string): string {
  const json = JSON.stringify(value).slice(1, -1);
  return format === 'hcl' ? json.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{') : json;
}

/** The template's text with every known ${PLACEHOLDER} replaced; other ${...} (Nomad's own, e.g. ${attr.kernel.name}) stay. */
export function fillPlaceholders(t: JobTemplate, values: Record<Placeholder, string>): string {
  const known = new RegExp(`\\$\\{(${PLACEHOLDERS.join('|')})\\}`, 'g');
  return t.text.replace(known, (_, name: Placeholder) => escapeFor(t.format, values[name]));
}

/** A JSON template: `{"Job": {...}}` (what `nomad job run -output` prints) or the job object itself. */
export function parseJsonTemplate(t: JobTemplate, text: string): NomadJob {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TemplateError(t, [`it is not valid JSON (${(err as Error).message})`]);
  }
  const job = doc && typeof doc === 'object' && 'Job' in doc ? (doc as { Job: unknown }).Job : doc;
  if (!job || typeof job !== 'object' || Array.isArray(job))
    throw new TemplateError(t, ['expected a Nomad job in JSON, {"Job": {...}} or the job object']);
  return job as NomadJob;
}

/**
 * The workspace job `ours` merged into the team's `template` (both already parsed). Throws a TemplateError listing
 * every way the template breaks the contract. Pure.
 */
export function mergeTemplate(t: Pick<JobTemplate, 'path'>, template: NomadJob, ours: NomadJob): NomadJob {
  const problems = contractProblems(template, ours);
  if (problems.length) throw new TemplateError(t, problems);
  return mergeInto(template, ours);
}

/** What the placeholders stand for, for one workspace job. */
export function placeholderValues(ours: NomadJob, o: { machineId: string; workspaceId?: string; volumeMount?: string }): Record<Placeholder, string> {
  const image = ours.TaskGroups?.[0]?.Tasks[0]?.Config?.image;
  return {
    MACHINE_ID: o.machineId,
    WORKSPACE_ID: o.workspaceId ?? '',
    JOB_ID: ours.ID,
    IMAGE: typeof image === 'string' ? image : '',
    VOLUME_MOUNT: o.volumeMount ?? '',
    NAMESPACE: ours.Namespace ?? 'default',
  };
}

/**
 * The workspace job merged into the template: placeholders filled, HCL parsed by `parseHcl` (the agent's
 * /v1/jobs/parse), the contract checked. A template Nomad cannot parse is a TemplateError with Nomad's words.
 */
export async function applyJobTemplate(
  t: JobTemplate,
  ours: NomadJob,
  values: Record<Placeholder, string>,
  parseHcl: (hcl: string) => Promise<NomadJob>,
): Promise<NomadJob> {
  const text = fillPlaceholders(t, values);
  let template: NomadJob;
  if (t.format === 'json') template = parseJsonTemplate(t, text);
  else {
    try {
      template = await parseHcl(text);
    } catch (err) {
      if (err instanceof NomadError && err.kind === 'badRequest')
        throw new TemplateError(t, [`Nomad could not parse it as HCL: ${(err.body ?? err.message ?? '').trim()}`]);
      throw err;
    }
  }
  return mergeTemplate(t, template, ours);
}
