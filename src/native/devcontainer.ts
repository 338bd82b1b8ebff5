// Native mode (DevPod's custom driver): the devcontainer itself is the Nomad task. DevPod's local agent calls the
// `native` subcommands (cli/native.ts); they share the job builder, the lifecycle machine and the exec tunnel with
// machine mode. This file builds the devcontainer's job from the run options (run-options.ts), recording what DevPod
// asked for in its meta (meta.ts) for details.ts to read back; user-switch.ts runs DevPod's commands as the container user.
import type { ProviderConfig } from '../adapters/config/index.js';
import { needConstraints, taskDriver, type NodeNeed } from '../adapters/jobspec/drivers/index.js';
import { buildWorkspaceJob, jobIdFor, type WorkspaceRequest } from '../adapters/jobspec/workspace-job.js';
import type { NomadJob } from '../adapters/nomad/types.js';
import type { ClusterFacts } from '../adapters/nomad/version.js';
import { devcontainerPorts } from './forward-ports.js';
import { devcontainerMeta } from './meta.js';
import { restoreThenExec, stashPath } from './dockerless.js';
import { isBuildInfoVolume, linkTemplate, namedVolumePlan } from './named-volumes.js';
import { isDockerless, namedVolumes, type RunOptions } from './run-options.js';

/** DevPod's build info is its Dockerfile and the features' folders: a tmpfs of 256 MB holds any. */
const BUILD_INFO_TMPFS_BYTES = 256 * 1024 * 1024;

export const nativeJobId = (devcontainerId: string) => jobIdFor(`dc-${devcontainerId}`);

/** The devcontainer as a Nomad job: the workspace job, with DevPod's image, command, env, user and labels. */
export function buildDevcontainerJob(
  devcontainerId: string,
  opts: RunOptions,
  cfg: ProviderConfig,
  req: Omit<WorkspaceRequest, 'machineId'>,
  cluster: ClusterFacts = {},
): NomadJob {
  // INACTIVITY_TIMEOUT here is DevPod's container inactivity timeout, which stops the devcontainer through `native
  // stop`: the machine job's idle watch (idle-stop.ts) has no place in it.
  // NOMAD_PORTS=devcontainer: the ports are the devcontainer's forwardPorts (forward-ports.ts).
  const ports = cfg.ports?.ports === 'devcontainer' ? { ...cfg.ports, ports: devcontainerPorts(opts).ports } : cfg.ports;
  const job = buildWorkspaceJob(
    { ...req, machineId: `dc-${devcontainerId}` },
    { ...cfg, image: opts.image || cfg.image, inactivityTimeout: undefined, ports },
    cluster,
  );
  // When the devcontainer's main process ends (DevPod's inactivity timeout stops it), the workspace is stopped: a
  // batch job that does not restart or reschedule, rather than a service Nomad would bring back.
  job.Type = 'batch';
  const group = job.TaskGroups![0]!;
  group.RestartPolicy = { Attempts: 0, Interval: 10 * 60e9, Delay: 5e9, Mode: 'fail' };
  // Nomad refuses an update block on a batch job ("does not allow update block"); batch jobs make no deployments.
  delete group.Update;
  const task = group.Tasks[0]!;
  const config = task.Config as Record<string, unknown>;
  const dockerless = isDockerless(opts);
  const stash = dockerless ? stashPath(devcontainerId, cfg) : undefined;
  // DevPod's entrypoint and command, as `docker run --entrypoint E image CMD…` in its own docker driver: the image's
  // ENTRYPOINT is replaced, and the keep-alive command the workspace job carries goes. For the dockerless builder,
  // through the restore of its build info (dockerless.ts).
  const main = opts.entrypoint
    ? dockerless
      ? restoreThenExec(stash, opts.entrypoint, opts.cmd ?? [])
      : { command: opts.entrypoint, args: opts.cmd ?? [] }
    : undefined;
  if (cfg.driver === 'docker') {
    delete config.command;
    if (main) config.entrypoint = [main.command];
    config.args = main ? main.args : (opts.cmd ?? []);
    const needs: NodeNeed[] = [];
    // devcontainer.json `init` and `capAdd` (the dockerless run options carry both), as `docker run --init --cap-add`.
    if (opts.init) config.init = true;
    if (opts.capAdd?.length) config.cap_add = opts.capAdd;
    // Only with the person's NOMAD_ALLOW_PRIVILEGED (run-options.ts refuses it otherwise).
    if (opts.privileged) {
      config.privileged = true;
      needs.push('docker-privileged');
    }
    // The dockerless build info's volume is a tmpfs of the task (dockerless.ts); the other named volumes are folders
    // of the workspace's volume (named-volumes.ts), not Docker volumes.
    const mounts = namedVolumes(opts)
      .filter(isBuildInfoVolume)
      .map((m) => ({ type: 'tmpfs', target: m.target, readonly: false, tmpfs_options: { size: BUILD_INFO_TMPFS_BYTES } }));
    if (mounts.length) config.mount = [...((config.mount as object[] | undefined) ?? []), ...mounts];
    if (needs.length) task.Constraints = needConstraints(needs, task.Constraints as Array<Record<string, unknown>> | undefined);
  } else if (main) {
    config.command = main.command;
    config.args = main.args;
  }
  if (cfg.driver === 'podman') {
    if (opts.init) config.init = true;
    if (opts.capAdd?.length) config.cap_add = opts.capAdd;
    const tmpfs = namedVolumes(opts).filter(isBuildInfoVolume);
    if (tmpfs.length) config.tmpfs = tmpfs.map((m) => m.target);
  }
  // On docker and podman the task runs as root, as DevPod's Kubernetes driver runs its pod: DevPod injects and runs its agent as root
  // through `native command`, and Nomad's exec cannot choose a user, so from a task of the image's USER (or
  // devcontainer.json containerUser) it could not. `native command` switches to DEVCONTAINER_USER inside; the
  // devcontainer's own processes run as that user (DevPod's agent starts them so; dockerless's `start --user`).
  // NOMAD_TASK_USER, when the operator sets it, wins; nspawn takes DevPod's user as before; drivers without images never
  // take a user from the repository.
  if ((cfg.driver === 'docker' || cfg.driver === 'podman') && !cfg.taskUser) task.User = 'root';
  else if (opts.user && taskDriver(cfg.driver).usesImage && !cfg.taskUser) task.User = opts.user;
  // devcontainer.json's named volumes: linked by `native command` from the script this template carries.
  const link = linkTemplate(namedVolumePlan(devcontainerId, opts, cfg).volumes, dockerless);
  if (link) task.Templates = [...((task.Templates as object[] | undefined) ?? []), link];
  if (opts.env && Object.keys(opts.env).length) task.Env = { ...(task.Env as Record<string, string> | undefined), ...opts.env };
  // What DevPod asked for, for `native find` to report back (details.ts).
  job.Meta = {
    ...(job.Meta ?? {}),
    ...devcontainerMeta({
      labels: opts.labels ?? [],
      user: opts.user,
      image: opts.image,
      workdir: opts.workspaceMount?.target,
      dockerless: dockerless ? { stash, context: opts.env?.DOCKERLESS_CONTEXT } : undefined,
    }),
  };
  return job;
}
