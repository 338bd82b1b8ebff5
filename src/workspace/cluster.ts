// What the servers run, read once per command that submits or plans (never on the status/command fast path), and
// what follows from it: which Vault flow the job uses, and which options need a newer Nomad than the servers run.
import type { ProviderConfig } from '../adapters/config/index.js';
import type { AgentMembers } from '../adapters/nomad/agent.js';
import type { NomadClient } from '../adapters/nomad/client.js';
import { NomadError } from '../adapters/nomad/errors.js';
import { atLeast, formatVersion, parseNomadVersion, type ClusterFacts, type NomadVersion } from '../adapters/nomad/version.js';
import { vaultFlow } from '../adapters/jobspec/vault.js';

export type { ClusterFacts } from '../adapters/nomad/version.js';

/**
 * The servers' version, from the gossip members (Tags.build of role=nomad members): the oldest alive server of the
 * region counts, since a job must be valid on whichever server applies it during a rolling upgrade.
 */
export async function readCluster(nomad: NomadClient, region?: string): Promise<ClusterFacts> {
  let members: AgentMembers;
  try {
    members = (await nomad.agent.members()).data;
  } catch (err) {
    if (err instanceof NomadError && err.status === 403) {
      return {
        unknownBecause:
          "the token may not read the servers' version (GET /v1/agent/members needs node:read, which deploy/nomad-acl-policy.hcl grants)",
      };
    }
    throw err;
  }
  const want = region ?? members?.ServerRegion;
  const versions = (members?.Members ?? [])
    .filter((m) => m.Tags?.role === 'nomad' && m.Status === 'alive' && (!want || m.Tags?.region === want))
    .map((m) => parseNomadVersion(m.Tags?.build))
    .filter((v): v is NomadVersion => v !== undefined);
  if (!versions.length) return { unknownBecause: 'Nomad listed no alive server with a version' };
  return { version: versions.reduce((min, v) => (atLeast(v, min) ? min : v)) };
}

/** An option (or value) that needs a newer Nomad than some clusters run. */
interface Requirement {
  option: string;
  since: NomadVersion;
  applies: (cfg: ProviderConfig) => boolean;
}

const REQUIREMENTS: Requirement[] = [{ option: 'NOMAD_VOLUME_TYPE=dynamic', since: [1, 10, 0], applies: (cfg) => cfg.volume?.type === 'dynamic' }];

/**
 * What the options ask for that the servers cannot do, one sentence each: `NOMAD_VOLUME_TYPE=dynamic needs Nomad
 * 1.10 or newer; the servers run 1.6.1`. Nothing when the version is unknown (Nomad then says it itself).
 */
export function tooNew(cfg: ProviderConfig, cluster: ClusterFacts): string[] {
  const v = cluster.version;
  if (!v) return [];
  const problems = REQUIREMENTS.filter((r) => r.applies(cfg) && !atLeast(v, r.since)).map(
    (r) => `${r.option} needs Nomad ${r.since[0]}.${r.since[1]} or newer; the servers run ${formatVersion(v)}`,
  );
  if (cfg.vault && !cfg.vault.policies.length && !vaultFlow(cluster).role) {
    problems.push(
      `VAULT_SECRETS_JSON needs VAULT_POLICIES_JSON on Nomad before 1.7 (the servers run ${formatVersion(v)}, which derive the task's Vault token from the servers' token role with the policies the job names): set VAULT_POLICIES_JSON to the Vault policies that may read the secrets, e.g. ["devpod-secrets"]`,
    );
  }
  return problems;
}
