// Vault checks before a workspace job is submitted, and what the options do and do not do, said out loud.
import type { ProviderConfig } from '../adapters/config/index.js';
import { vaultFlow } from '../adapters/jobspec/vault.js';
import { formatVersion, type ClusterFacts } from '../adapters/nomad/version.js';
import type { VaultProbe } from '../adapters/vault.js';
import { WorkspaceError } from './errors.js';

/**
 * What the job's vault block does with the options on these servers (vaultFlow), said out loud: from Nomad 1.10
 * VAULT_POLICIES_JSON cannot reach Nomad (the task's token gets the role's token_policies), and before 1.7 VAULT_ROLE
 * does nothing (the servers derive the token from their own token role). Never accepted and dropped in silence.
 */
export function vaultNotes(cfg: ProviderConfig, cluster: ClusterFacts = {}): string[] {
  const v = cfg.vault;
  if (!v) return [];
  const flow = vaultFlow(cluster);
  const runs = cluster.version ? `the servers run Nomad ${formatVersion(cluster.version)}` : "the servers' version is unknown";
  if (!flow.policies && v.policies.length) {
    return [
      `VAULT_POLICIES_JSON ${JSON.stringify(v.policies)} is not sent to Nomad: since Nomad 1.10 a job's vault block carries no policies, and the workspace's Vault token gets the token_policies of the Vault role "${v.role}" (VAULT_ROLE). Make sure that role grants them.`,
    ];
  }
  if (!flow.role) {
    return [
      `Vault token flow (${runs}): the job asks for the policies ${JSON.stringify(v.policies)} (VAULT_POLICIES_JSON); the servers derive the workspace's Vault token from their own token role, so VAULT_ROLE is not used. Make sure that token role allows these policies.`,
    ];
  }
  if (flow.policies && flow.role) {
    return [
      `Nomad 1.7 to 1.9 (${runs}): the job names both the Vault role "${v.role}" (VAULT_ROLE, for workload identity) and the policies ${JSON.stringify(v.policies)} (VAULT_POLICIES_JSON, for the token flow); Nomad uses whichever flow its servers are configured for.`,
    ];
  }
  return [];
}

export interface VaultCheck {
  /** A reason the job cannot get its secrets (sealed Vault, unknown role); undefined when none is known. */
  problem?: string;
  notes: string[];
}

/**
 * With VAULT_ADDR set, asks that Vault whether it is unsealed and has the role (adapters/vault.ts). Vault out of
 * reach from DevPod's machine is only a note: Nomad's clients reach Vault on their own network, and Nomad says
 * when they cannot (no node has Vault, in the placement failure).
 */
export async function checkVault(cfg: ProviderConfig, cluster: ClusterFacts = {}): Promise<VaultCheck> {
  const v = cfg.vault;
  const notes = vaultNotes(cfg, cluster);
  if (!v?.addr) return { notes };
  const { probeVault } = await import('../adapters/vault.js');
  // In the token flow the job names no JWT role, so there is none to look for.
  const role = vaultFlow(cluster).role ? v.role : undefined;
  const probe: VaultProbe = await probeVault(v.addr, { role, namespace: v.namespace, caCertPath: v.caCertPath });
  if (probe.ok) return { notes };
  if (probe.problem === 'unreachable') return { notes: [...notes, `${probe.message}; not checked further (Nomad's clients reach Vault themselves)`] };
  return { problem: probe.message, notes };
}

/** checkVault for create and start: notes to the log, a known problem refuses the command before anything is submitted. */
export async function assertVaultUsable(cfg: ProviderConfig, log: (line: string) => void, cluster: () => Promise<ClusterFacts>): Promise<void> {
  if (!cfg.vault) return;
  const check = await checkVault(cfg, await cluster());
  for (const note of check.notes) log(note);
  if (check.problem) throw new WorkspaceError(`${check.problem}. Nothing was submitted to Nomad.`);
}
