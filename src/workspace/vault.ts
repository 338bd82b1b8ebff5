// Vault checks before a workspace job is submitted, and what the options do and do not do, said out loud.
import type { ProviderConfig } from '../adapters/config/index.js';
import type { VaultProbe } from '../adapters/vault.js';
import { WorkspaceError } from './errors.js';

/**
 * VAULT_POLICIES_JSON cannot reach Nomad: since Nomad 1.10 a job's vault block has no policies, and the task's token
 * gets the token_policies of the role it logs in with. Never accepted and dropped in silence.
 */
export function vaultNotes(cfg: ProviderConfig): string[] {
  const v = cfg.vault;
  if (!v?.policies.length) return [];
  return [`VAULT_POLICIES_JSON ${JSON.stringify(v.policies)} is not sent to Nomad: since Nomad 1.10 a job's vault block carries no policies, and the workspace's Vault token gets the token_policies of the Vault role "${v.role}" (VAULT_ROLE). Make sure that role grants them.`];
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
export async function checkVault(cfg: ProviderConfig): Promise<VaultCheck> {
  const v = cfg.vault;
  const notes = vaultNotes(cfg);
  if (!v?.addr) return { notes };
  const { probeVault } = await import('../adapters/vault.js');
  const probe: VaultProbe = await probeVault(v.addr, { role: v.role, namespace: v.namespace, caCertPath: v.caCertPath });
  if (probe.ok) return { notes };
  if (probe.problem === 'unreachable') return { notes: [...notes, `${probe.message}; not checked further (Nomad's clients reach Vault themselves)`] };
  return { problem: probe.message, notes };
}

/** checkVault for create and start: notes to the log, a known problem refuses the command before anything is submitted. */
export async function assertVaultUsable(cfg: ProviderConfig, log: (line: string) => void): Promise<void> {
  if (!cfg.vault) return;
  const check = await checkVault(cfg);
  for (const note of check.notes) log(note);
  if (check.problem) throw new WorkspaceError(`${check.problem}. Nothing was submitted to Nomad.`);
}
