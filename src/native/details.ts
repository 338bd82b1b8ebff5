// What `native find` and `native target-architecture` answer about a devcontainer: docker-inspect-shaped details
// read back from the job's meta (written by devcontainer.ts) and its state, and the CPU architecture of its node.
import type { ProviderConfig } from '../adapters/config/index.js';
import type { NomadClient } from '../adapters/nomad/client.js';
import { WorkspaceError } from '../workspace/errors.js';
import { observe } from '../workspace/observe.js';
import { readDevcontainerMeta } from './meta.js';

export interface ContainerDetails {
  ID: string;
  Created: string;
  State: { Status: string; StartedAt: string };
  Config: { Labels: Record<string, string>; WorkingDir?: string; User?: string; Image?: string };
}

/**
 * What `findDevContainer` prints: docker-inspect-shaped details, or undefined when there is no job. A devcontainer
 * DevPod builds in the task (dockerless.ts) is running only once the build has run in its allocation: `built` asks
 * the task. Until then it is `created`, which DevPod reports as Busy, and `devpod up` (re)builds it; never Running
 * while its root is the bare builder image.
 */
export async function findDevcontainer(
  nomad: NomadClient,
  cfg: ProviderConfig,
  jobId: string,
  machineId: string,
  built?: (allocId: string) => Promise<boolean>,
  log: (line: string) => void = () => undefined,
): Promise<ContainerDetails | undefined> {
  const job = (await nomad.jobs.read(jobId)).data;
  if (!job) return undefined;
  const report = await observe({ nomad, config: cfg, jobId, machineId, log: () => undefined });
  // A job of that id that DevPod did not make is no devcontainer of ours.
  if (report.state === 'notFound') return undefined;
  const asked = readDevcontainerMeta(job);
  let status = report.state === 'running' ? 'running' : ['stopped', 'failed', 'stopping'].includes(report.state) ? 'exited' : 'created';
  if (status === 'running' && asked.dockerless && built && report.allocId && !(await built(report.allocId))) {
    log(`${jobId}: running, but DevPod's build has not run in this allocation (its root is the dockerless builder image); devpod up builds it`);
    status = 'created';
  }
  const submitted = typeof job.SubmitTime === 'number' ? new Date(job.SubmitTime / 1e6).toISOString() : new Date(0).toISOString();
  return {
    ID: jobId,
    Created: submitted,
    State: { Status: status, StartedAt: submitted },
    Config: { Labels: asked.labels, WorkingDir: asked.workdir, User: asked.user, Image: asked.image },
  };
}

/** amd64 or arm64, from the node the workspace runs on, else from the first ready node. */
export async function targetArchitecture(nomad: NomadClient, jobId: string): Promise<string> {
  const allocs = (await nomad.jobs.allocations(jobId).catch(() => ({ data: [] }))).data ?? [];
  const nodeId = allocs.find((a) => a.ClientStatus === 'running')?.NodeID ?? (await nomad.nodes.list()).data.find((n) => n.Status === 'ready')?.ID;
  const arch = nodeId ? (await nomad.nodes.read(nodeId)).data.Attributes?.['cpu.arch'] : undefined;
  if (arch === 'amd64' || arch === 'arm64') return arch;
  throw new WorkspaceError(`cannot tell the target architecture: the Nomad node reports cpu.arch=${JSON.stringify(arch)}; expected amd64 or arm64`);
}
