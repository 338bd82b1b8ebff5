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
import { namedVolumes, type RunOptions } from './run-options.js';

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
      config.mount = [
        ...((config.mount as object[] | undefined) ?? []),
        ...named.map((m) => ({ type: 'volume', source: m.source, target: m.target, readonly: false })),
      ];
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
  // What DevPod asked for, for `native find` to report back (details.ts).
  job.Meta = {
    ...(job.Meta ?? {}),
    ...devcontainerMeta({ labels: opts.labels ?? [], user: opts.user, image: opts.image, workdir: opts.workspaceMount?.target }),
  };
  return job;
}
