// Native mode (DevPod's custom driver): the devcontainer itself is the Nomad task. DevPod's local agent calls
// these through the `native` subcommands; they share the job builder, the lifecycle machine and the exec tunnel
// with machine mode.
import * as z from 'zod/mini';
import type { ProviderConfig } from '../adapters/config/index.js';
import { needConstraints, taskDriver, type NodeNeed } from '../adapters/jobspec/drivers.js';
import { buildWorkspaceJob, jobIdFor, type WorkspaceRequest } from '../adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../adapters/nomad/client.js';
import type { NomadJob } from '../adapters/nomad/types.js';
import type { ClusterFacts } from '../adapters/nomad/version.js';
import { WorkspaceError } from '../workspace/errors.js';
import { observe } from '../workspace/observe.js';

/** DEVCONTAINER_RUN_OPTIONS, as DevPod's driver.RunOptions marshals it. */
const runOptionsSchema = z.object({
  uid: z.optional(z.string()),
  image: z.optional(z.string()),
  user: z.optional(z.string()),
  entrypoint: z.optional(z.string()),
  cmd: z.optional(z.nullable(z.array(z.string()))),
  env: z.optional(z.nullable(z.record(z.string(), z.string()))),
  capAdd: z.optional(z.nullable(z.array(z.string()))),
  securityOpt: z.optional(z.nullable(z.array(z.string()))),
  labels: z.optional(z.nullable(z.array(z.string()))),
  privileged: z.optional(z.nullable(z.boolean())),
  workspaceMount: z.optional(z.nullable(z.object({ type: z.optional(z.string()), source: z.optional(z.string()), target: z.optional(z.string()) }))),
  mounts: z.optional(z.nullable(z.array(z.object({ type: z.optional(z.string()), source: z.optional(z.string()), target: z.optional(z.string()) })))),
});
export type RunOptions = z.infer<typeof runOptionsSchema>;

export function parseRunOptions(text: string | undefined): RunOptions {
  if (!text?.trim()) throw new WorkspaceError('DEVCONTAINER_RUN_OPTIONS is not set: DevPod sets it when its agent runs a devcontainer with this provider');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorkspaceError(`DEVCONTAINER_RUN_OPTIONS is not valid JSON (${(err as Error).message}): expected DevPod's run options`);
  }
  const parsed = runOptionsSchema.safeParse(value);
  if (!parsed.success) throw new WorkspaceError(`DEVCONTAINER_RUN_OPTIONS does not look like DevPod's run options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * DevPod builds a devcontainer from a Dockerfile with its "dockerless" image inside the task. That needs a driver
 * that runs images (docker, podman); exec and raw_exec would start a command that is not there. Say so up front.
 */
export function assertRunnable(opts: RunOptions, driver: string): void {
  if (driver !== 'exec' && driver !== 'raw_exec') return;
  if (opts.entrypoint?.startsWith('/.dockerless/') || opts.image?.includes('loft-sh/dockerless')) {
    throw new WorkspaceError(
      `this devcontainer is built from a Dockerfile, which DevPod does inside the task with its dockerless image; NOMAD_DRIVER=${driver} does not run images. ` +
        'Use a prebuilt image ("image" in devcontainer.json), or NOMAD_DRIVER=docker or podman.',
    );
  }
}

export const nativeJobId = (devcontainerId: string) => jobIdFor(`dc-${devcontainerId}`);

type Mount = NonNullable<RunOptions['mounts']>[number];
const isNamedVolume = (m: Mount): m is Mount & { source: string; target: string } => m.type === 'volume' && Boolean(m.source && m.target);
const namedVolumes = (opts: RunOptions) => (opts.mounts ?? []).filter(isNamedVolume);

/**
 * The run options' mounts this driver does not carry, each with why: bind mounts name paths on DevPod's machine,
 * not on the Nomad client; volumes need the docker driver. (The workspace folder itself is copied in by `run`.)
 */
export function skippedMounts(opts: RunOptions, driver: string): string[] {
  return (opts.mounts ?? []).filter((m) => !(driver === 'docker' && isNamedVolume(m))).map((m) =>
    `${m.type ?? 'bind'} mount ${m.source ?? '?'} → ${m.target ?? '?'} is not carried: ${m.type === 'volume' ? 'named volumes need NOMAD_DRIVER=docker' : 'a bind mount names a path on DevPod\'s machine, not on the Nomad client'}`);
}

const META_LABEL = 'devcontainer.label.';
const META = { user: 'devcontainer.user', image: 'devcontainer.image', workdir: 'devcontainer.workdir' } as const;

/** The devcontainer as a Nomad job: the workspace job, with DevPod's image, command, env, user and labels. */
export function buildDevcontainerJob(devcontainerId: string, opts: RunOptions, cfg: ProviderConfig, req: Omit<WorkspaceRequest, 'machineId'>, cluster: ClusterFacts = {}): NomadJob {
  // INACTIVITY_TIMEOUT here is DevPod's container inactivity timeout, which stops the devcontainer through `native
  // stop`: the machine job's idle watch (idle-stop.ts) has no place in it.
  const job = buildWorkspaceJob({ ...req, machineId: `dc-${devcontainerId}` }, { ...cfg, image: opts.image || cfg.image, inactivityTimeout: undefined }, cluster);
  // When the devcontainer's main process ends (DevPod's inactivity timeout stops it), the workspace is stopped: a
  // batch job that does not restart or reschedule, rather than a service Nomad would bring back.
  job.Type = 'batch';
  const group = job.TaskGroups![0]!;
  group.RestartPolicy = { Attempts: 0, Interval: 10 * 60e9, Delay: 5e9, Mode: 'fail' };
  // Nomad refuses an update block on a batch job ("does not allow update block"); batch jobs make no deployments.
  delete group.Update;
  const task = group.Tasks[0]!;
  const config = task.Config as Record<string, unknown>;
  if (cfg.driver === 'docker') {
    // As `docker run --entrypoint E image CMD…` in DevPod's own docker driver: the image's ENTRYPOINT is replaced,
    // and the keep-alive command the workspace job carries goes.
    delete config.command;
    if (opts.entrypoint) config.entrypoint = [opts.entrypoint];
    config.args = opts.cmd ?? [];
    const needs: NodeNeed[] = [];
    if (opts.privileged) {
      config.privileged = true;
      needs.push('docker-privileged');
    }
    if (opts.capAdd?.length) config.cap_add = opts.capAdd;
    // Named volumes (devcontainer.json `mounts` of type volume, DevPod's dockerless build cache) are Docker volumes
    // on the client, kept across stop/start as with DevPod's own docker driver.
    const named = namedVolumes(opts);
    if (named.length) {
      config.mount = [...((config.mount as object[] | undefined) ?? []), ...named.map((m) => ({ type: 'volume', source: m.source, target: m.target, readonly: false }))];
      needs.push('docker-volumes');
    }
    if (needs.length) task.Constraints = needConstraints(needs, task.Constraints as Array<Record<string, unknown>> | undefined);
  } else if (opts.entrypoint) {
    config.command = opts.entrypoint;
    config.args = opts.cmd ?? [];
  }
  // The container user DevPod chose (devcontainer.json containerUser, else the image's USER), as `docker run -u`.
  // NOMAD_TASK_USER, when the operator sets it, wins; drivers without images never take a user from the repository.
  if (opts.user && taskDriver(cfg.driver).usesImage && !cfg.taskUser) task.User = opts.user;
  if (opts.env && Object.keys(opts.env).length) task.Env = { ...(task.Env as Record<string, string> | undefined), ...opts.env };
  const meta = { ...(job.Meta ?? {}) } as Record<string, string>;
  for (const label of opts.labels ?? []) {
    const eq = label.indexOf('=');
    if (eq > 0) meta[`${META_LABEL}${label.slice(0, eq)}`] = label.slice(eq + 1);
  }
  if (opts.user) meta[META.user] = opts.user;
  if (opts.image) meta[META.image] = opts.image;
  if (opts.workspaceMount?.target) meta[META.workdir] = opts.workspaceMount.target;
  job.Meta = meta;
  return job;
}

export interface ContainerDetails {
  ID: string;
  Created: string;
  State: { Status: string; StartedAt: string };
  Config: { Labels: Record<string, string>; WorkingDir?: string; User?: string; Image?: string };
}

/** What `findDevContainer` prints: docker-inspect-shaped details, or undefined when there is no job. */
export async function findDevcontainer(nomad: NomadClient, cfg: ProviderConfig, jobId: string, machineId: string): Promise<ContainerDetails | undefined> {
  const job = (await nomad.jobs.read(jobId)).data;
  if (!job) return undefined;
  const report = await observe({ nomad, config: cfg, jobId, machineId, log: () => undefined });
  // A job of that id that DevPod did not make is no devcontainer of ours.
  if (report.state === 'notFound') return undefined;
  const meta = (job.Meta ?? {}) as Record<string, string>;
  const labels = Object.fromEntries(Object.entries(meta).filter(([k]) => k.startsWith(META_LABEL)).map(([k, v]) => [k.slice(META_LABEL.length), v]));
  const status = report.state === 'running' ? 'running' : ['stopped', 'failed', 'stopping'].includes(report.state) ? 'exited' : 'created';
  const submitted = typeof job.SubmitTime === 'number' ? new Date(job.SubmitTime / 1e6).toISOString() : new Date(0).toISOString();
  return {
    ID: jobId,
    Created: submitted,
    State: { Status: status, StartedAt: submitted },
    Config: { Labels: labels, WorkingDir: meta[META.workdir], User: meta[META.user], Image: meta[META.image] },
  };
}

/**
 * The argv that runs DevPod's command as DEVCONTAINER_USER inside the task. Nomad's exec has no user option, so
 * the switch happens inside, and only when it can: as root, `su` to the user; already that user, run directly;
 * otherwise (an exec task runs as nobody unless NOMAD_TASK_USER says otherwise, and `su` would wait for a password)
 * run as the task's user and say so on stderr.
 */
export function commandAs(user: string | undefined, command: string): string[] {
  const script = [
    'if [ -z "$1" ] || [ "$(id -un)" = "$1" ] || [ "$(id -u)" = "$1" ]; then exec /bin/sh -c "$2"; fi',
    'if [ "$(id -u)" = 0 ]; then exec su "$1" -s /bin/sh -c "$2"; fi',
    'echo "devpod-provider-nomad: the task runs as $(id -un) and cannot switch to $1 (set NOMAD_TASK_USER); running as $(id -un)" >&2',
    'exec /bin/sh -c "$2"',
  ].join('; ');
  return ['/bin/sh', '-c', script, 'devpod', user ?? '', command];
}

/** amd64 or arm64, from the node the workspace runs on, else from the first ready node. */
export async function targetArchitecture(nomad: NomadClient, jobId: string): Promise<string> {
  const allocs = (await nomad.jobs.allocations(jobId).catch(() => ({ data: [] }))).data ?? [];
  const nodeId = allocs.find((a) => a.ClientStatus === 'running')?.NodeID
    ?? (await nomad.nodes.list()).data.find((n) => n.Status === 'ready')?.ID;
  const arch = nodeId ? (await nomad.nodes.read(nodeId)).data.Attributes?.['cpu.arch'] : undefined;
  if (arch === 'amd64' || arch === 'arm64') return arch;
  throw new WorkspaceError(`cannot tell the target architecture: the Nomad node reports cpu.arch=${JSON.stringify(arch)}; expected amd64 or arm64`);
}
