// What every DevPod-facing command starts from: validated options, a Nomad client and the workspace's job id,
// all read from the environment DevPod sets. Nothing here talks to Nomad until a command asks for the cluster's
// facts (the servers' version), which only commands that submit or plan do.
import { loadConfig, type ProviderConfig } from '../adapters/config/index.js';
import { applyJobTemplate, placeholderValues } from '../adapters/jobspec/template.js';
import { buildWorkspaceJob, jobIdFor, type WorkspaceRequest } from '../adapters/jobspec/workspace-job.js';
import { NomadClient } from '../adapters/nomad/client.js';
import type { Env } from '../adapters/nomad/connection.js';
import type { NomadJob } from '../adapters/nomad/types.js';
import { readCluster, tooNew, type ClusterFacts } from '../workspace/cluster.js';
import type { Workspace } from '../workspace/types.js';
import { UsageError } from './usage-error.js';
import { version } from './version.js';

export const log = (line: string) => process.stderr.write(`nomad: ${line}\n`);

export interface CommandContext {
  config: ProviderConfig;
  nomad: NomadClient;
  workspace: Workspace;
  request: WorkspaceRequest;
  /** The servers' version (read once per command, on first use). */
  cluster: () => Promise<ClusterFacts>;
  /**
   * The job to submit, built for the servers' version by `build` (by default the workspace job) and merged into
   * NOMAD_JOB_TEMPLATE when one is set. Refuses, before anything is sent, options the servers are too old for.
   */
  job: (build?: (cluster: ClusterFacts) => NomadJob) => Promise<NomadJob>;
}

export function requireEnv(env: Env, name: string, why: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new UsageError(`${name} is not set: ${why}`);
  return v;
}

export function commandContext(env: Env = process.env, opts: { flags?: Record<string, string> } = {}): CommandContext {
  const config = loadConfig(env, opts);
  const machineId = requireEnv(
    env,
    'MACHINE_ID',
    'DevPod sets it when it runs this command (devpod machine create/up); to run by hand, set MACHINE_ID=<machine name>',
  );
  const request: WorkspaceRequest = {
    machineId,
    machineFolder: env.MACHINE_FOLDER || undefined,
    workspaceId: env.WORKSPACE_ID || undefined,
    providerVersion: version,
  };
  const nomad = new NomadClient(config.connection);
  const jobId = jobIdFor(machineId);
  let facts: Promise<ClusterFacts> | undefined;
  const cluster = () =>
    (facts ??= readCluster(nomad, config.connection.region).then((c) => {
      if (c.unknownBecause) log(`the servers' Nomad version is unknown (${c.unknownBecause}); the job is written for Nomad 1.10 or newer`);
      return c;
    }));
  const job = async (build = (c: ClusterFacts) => buildWorkspaceJob(request, config, c)) => {
    const facts = await cluster();
    const refused = tooNew(config, facts);
    if (refused.length) throw new UsageError(`${refused.join('; ')}. Nothing was submitted to Nomad.`);
    const base = build(facts);
    if (!config.jobTemplate) return base;
    const values = placeholderValues(base, { machineId, workspaceId: request.workspaceId, volumeMount: config.volume?.mount });
    return applyJobTemplate(config.jobTemplate, base, values, async (hcl) => (await nomad.jobs.parse(hcl)).data);
  };
  return { config, nomad, request, cluster, job, workspace: { nomad, config, jobId, machineId, log } };
}
