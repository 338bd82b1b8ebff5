// How a team's job template (template.ts) and the workspace job are put together, pure: the contract a template
// must keep (contractProblems), and the merge itself (mergeInto). The provider's fields win; the template keeps the
// rest; constraints, env, meta, templates, mounts and list-valued driver config of the workspace task add up, and so do
// the group's published ports, services and meta (NOMAD_PORTS).
import type { NomadJob, NomadTask, NomadTaskGroup } from '../nomad/types.js';
import { isEnvSafeKey } from '../nomad/workspace-meta.js';
import { GROUP, TASK } from './workspace-job.js';

const LIST_CONFIG_KEYS = ['mount', 'volumes', 'cap_add', 'devices', 'ports'];

const combine = <T>(a: T[] | null | undefined, b: T[] | null | undefined): T[] | undefined => {
  const out = [...(a ?? []), ...(b ?? [])];
  return out.length ? out : undefined;
};

function mergeTask(template: NomadTask, ours: NomadTask): NomadTask {
  const tc = (template.Config ?? {}) as Record<string, unknown>;
  const oc = (ours.Config ?? {}) as Record<string, unknown>;
  const config: Record<string, unknown> = { ...tc, ...oc };
  for (const key of LIST_CONFIG_KEYS) {
    const both = combine(tc[key] as unknown[] | undefined, oc[key] as unknown[] | undefined);
    if (both) config[key] = both;
  }
  const merged: NomadTask = { ...template, ...ours, Config: config };
  const env = { ...(template.Env as Record<string, string> | undefined), ...(ours.Env as Record<string, string> | undefined) };
  if (Object.keys(env).length) merged.Env = env;
  const meta = { ...(template.Meta as Record<string, string> | undefined), ...(ours.Meta as Record<string, string> | undefined) };
  if (Object.keys(meta).length) merged.Meta = meta;
  for (const key of ['Constraints', 'Templates', 'VolumeMounts', 'Artifacts'] as const) {
    const both = combine(template[key] as unknown[] | undefined, ours[key] as unknown[] | undefined);
    if (both) merged[key] = both;
  }
  return merged;
}

type Network = { DynamicPorts?: unknown[] | null; [key: string]: unknown };

/**
 * Published ports (ports.ts) join the template's own: our dynamic ports go into its first network (a bridge
 * network of a team's, say), our services beside its services, our group meta over its.
 */
function mergePorts(group: NomadTaskGroup, ours: NomadTaskGroup): Partial<NomadTaskGroup> {
  const out: Partial<NomadTaskGroup> = {};
  const theirs = (group.Networks as Network[] | null | undefined) ?? [];
  const mine = (ours.Networks as Network[] | undefined) ?? [];
  if (theirs.length && mine.length) {
    const [first, ...rest] = theirs;
    out.Networks = [{ ...first, DynamicPorts: combine(first!.DynamicPorts, mine[0]!.DynamicPorts) }, ...rest];
  } else if (theirs.length) out.Networks = theirs;
  const services = combine(group.Services as unknown[] | null | undefined, ours.Services as unknown[] | undefined);
  if (services) out.Services = services;
  const meta = { ...(group.Meta as Record<string, string> | null | undefined), ...(ours.Meta as Record<string, string> | undefined) };
  if (Object.keys(meta).length) out.Meta = meta;
  return out;
}

/** Every way the parsed `template` breaks the contract with the workspace job `ours`; none when it can be merged. */
export function contractProblems(template: NomadJob, ours: NomadJob): string[] {
  const problems: string[] = [];
  if (template.ID && template.ID !== ours.ID)
    problems.push(`its job ID ${JSON.stringify(template.ID)} is not the workspace's ${JSON.stringify(ours.ID)} (leave ID out, or write \${JOB_ID})`);
  const ns = (template.Namespace as string | null | undefined) ?? undefined;
  if (ns && ns !== (ours.Namespace ?? 'default'))
    problems.push(
      `its namespace ${JSON.stringify(ns)} is not the provider's ${JSON.stringify(ours.Namespace ?? 'default')} (set NOMAD_NAMESPACE, or leave namespace out)`,
    );
  const groups = template.TaskGroups ?? [];
  if (groups.length !== 1) problems.push(`it has ${groups.length} task groups: expected exactly one, holding the "${TASK}" task and any sidecars`);
  const group = groups[0];
  const tasks = group?.Tasks ?? [];
  const task = tasks.find((x) => x.Name === TASK);
  if (group && !task)
    problems.push(
      `its group has no task named "${TASK}" (tasks: ${tasks.map((x) => x.Name).join(', ') || 'none'}): expected the task the provider runs and execs into`,
    );
  if (group && typeof group.Count === 'number' && group.Count > 1)
    problems.push(`its group has count ${group.Count}: a workspace is one allocation (count 1)`);
  const ourGroup = ours.TaskGroups![0]!;
  const ourTask = ourGroup.Tasks[0]!;
  if (task?.Driver && task.Driver !== ourTask.Driver)
    problems.push(
      `its "${TASK}" task uses driver ${JSON.stringify(task.Driver)}, the provider's is ${JSON.stringify(ourTask.Driver)} (set NOMAD_DRIVER=${task.Driver}, or leave driver out)`,
    );
  if (ourTask.Driver === 'nspawn') {
    // Nomad exports every meta key as NOMAD_META_<key>; systemd-nspawn refuses the task if one is not a valid name.
    const keys = [template.Meta, group?.Meta, task?.Meta].flatMap((m) => Object.keys((m as Record<string, string> | null | undefined) ?? {}));
    for (const key of new Set(keys.filter((k) => !isEnvSafeKey(k))))
      problems.push(
        `its meta key ${JSON.stringify(key)} is not an environment variable name, and the nspawn driver refuses the task over it (NOMAD_META_${key}): use letters, digits and _ only`,
      );
    problems.push(...nspawnConfigProblems((task?.Config ?? {}) as Record<string, unknown>, (ourTask.Config ?? {}) as Record<string, unknown>));
  }
  return problems;
}

/**
 * The nspawn settings the provider renders (drivers/nspawn.ts) would silently replace a template's: a template that
 * sets one differently is refused, naming the option that sets it. boot=false and process_two=true cannot work at
 * all: the driver's exec (systemd-run --machine) needs the image's systemd booted.
 */
function nspawnConfigProblems(theirs: Record<string, unknown>, ours: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const exec = "the nspawn driver runs every command with systemd-run --machine, which needs the image's systemd booted (boot = true)";
  if (theirs.boot === false) problems.push(`its "${TASK}" task sets boot = false, and ${exec}: leave boot out`);
  if (theirs.process_two === true)
    problems.push(`its "${TASK}" task sets process_two = true (a stub init instead of systemd), and ${exec}: leave process_two out`);
  for (const key of ['boot', 'network_veth', 'ephemeral'])
    if (key in theirs && theirs[key] !== ours[key] && !(key === 'boot' && theirs.boot === false))
      problems.push(
        `its "${TASK}" task sets ${key} = ${JSON.stringify(theirs[key])}, the provider's is ${JSON.stringify(ours[key])} (set it in NOMAD_NSPAWN_CONFIG_JSON, or leave ${key} out)`,
      );
  return problems;
}

/** The workspace job `ours` merged into a `template` that keeps the contract (contractProblems found nothing). */
export function mergeInto(template: NomadJob, ours: NomadJob): NomadJob {
  const group = template.TaskGroups![0]!;
  const tasks = group.Tasks ?? [];
  const ourGroup = ours.TaskGroups![0]!;
  const ourTask = ourGroup.Tasks[0]!;
  const mergedGroup: NomadTaskGroup = {
    ...group,
    ...ourGroup,
    Tasks: tasks.map((x) => (x.Name === TASK ? mergeTask(x, ourTask) : x)),
  };
  // A batch job (native mode) must carry no update block, whatever the template says.
  if (!('Update' in ourGroup)) delete mergedGroup.Update;
  const constraints = combine(group.Constraints as unknown[] | undefined, ourGroup.Constraints as unknown[] | undefined);
  if (constraints) mergedGroup.Constraints = constraints;
  const volumes = { ...(group.Volumes as Record<string, unknown> | undefined), ...(ourGroup.Volumes as Record<string, unknown> | undefined) };
  if (Object.keys(volumes).length) mergedGroup.Volumes = volumes;
  Object.assign(mergedGroup, mergePorts(group, ourGroup));
  mergedGroup.Name = GROUP;

  const job: NomadJob = {
    ...template,
    ...ours,
    Datacenters:
      ours.Datacenters?.length && !(ours.Datacenters.length === 1 && ours.Datacenters[0] === '*')
        ? ours.Datacenters
        : (template.Datacenters ?? ours.Datacenters),
    Meta: { ...(template.Meta as Record<string, string> | undefined), ...ours.Meta },
    TaskGroups: [mergedGroup],
  };
  if (!ours.NodePool && template.NodePool) job.NodePool = template.NodePool;
  const jobConstraints = combine(template.Constraints as unknown[] | undefined, ours.Constraints as unknown[] | undefined);
  if (jobConstraints) job.Constraints = jobConstraints;
  else delete job.Constraints;
  return job;
}
