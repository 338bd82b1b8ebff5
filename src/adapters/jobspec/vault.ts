// Vault through Nomad's workload identity: a `vault` block, and one template per secret that renders its fields
// into an env file in the task's secrets directory. Only paths and field names are in the job — never values.
import type { ProviderConfig, VaultSecret } from '../config/index.js';
import { atLeast, type ClusterFacts } from '../nomad/version.js';

/**
 * Which Vault flow a job's vault block is written for. Before 1.7 Nomad knows only the token flow (the servers hold
 * a Vault token and derive one per task with the policies the job names); 1.7 to 1.9 have both, chosen by the
 * servers' configuration, which a client token cannot read, so the block carries both and Nomad uses its own; from
 * 1.10 only workload identity (a role). Unknown version: the current flow.
 */
export function vaultFlow(cluster: ClusterFacts): { policies: boolean; role: boolean } {
  const v = cluster.version;
  if (!v || atLeast(v, [1, 10, 0])) return { policies: false, role: true };
  if (atLeast(v, [1, 7, 0])) return { policies: true, role: true };
  return { policies: true, role: false };
}

/**
 * One line per field: `DB_PASSWORD={{ index $d "password" | toJSON }}`, where `$d` is the secret's fields. A KV v2
 * read answers `{data: {...fields}, metadata: {...}}`, a KV v1 read the fields themselves; the template takes either
 * (consul-template also accepts a KV v2 path without its `data/` segment).
 */
export function secretTemplate(secret: VaultSecret): string {
  const lines = Object.entries(secret.fields).map(([field, env]) => `${env}={{ index $d ${JSON.stringify(field)} | toJSON }}`);
  // `-}}` trims the newline after it: the file is exactly one NAME=value line per field.
  return `{{ with secret ${JSON.stringify(secret.path)} }}{{ $d := .Data }}{{ if and .Data.data .Data.metadata }}{{ $d = .Data.data }}{{ end -}}\n${lines.join('\n')}\n{{ end -}}\n`;
}

/**
 * `flow`: what the servers' Nomad takes (workspace/cluster.ts's vaultFlow): a role for workload identity (1.7+, the
 * only flow from 1.10), the policies for the token flow (before 1.10, the only flow before 1.7).
 */
export function vaultTask(
  cfg: ProviderConfig,
  flow: { policies: boolean; role: boolean } = { policies: false, role: true },
): Record<string, unknown> {
  const v = cfg.vault;
  if (!v) return {};
  return {
    Vault: {
      ...(flow.role ? { Role: v.role } : {}),
      ...(flow.policies && v.policies.length ? { Policies: v.policies } : {}),
      ...(v.namespace ? { Namespace: v.namespace } : {}),
      ChangeMode: v.changeMode,
      ...(v.changeMode === 'signal' ? { ChangeSignal: v.changeSignal ?? 'SIGHUP' } : {}),
      Env: true,
    },
    Templates: v.secrets.map((s, i) => ({
      EmbeddedTmpl: secretTemplate(s),
      DestPath: `secrets/vault-${i}.env`,
      Envvars: true,
      // Nomad cannot signal for env-var templates (a running process's environment cannot change): with "signal"
      // the task is signalled for a new Vault token, and new secret values apply at its next restart.
      ChangeMode: v.changeMode === 'signal' ? 'noop' : v.changeMode,
      Perms: '0600',
    })),
    // Tools in the workspace (vault CLI) find the server the same way.
    ...(v.addr ? { Env: { VAULT_ADDR: v.addr } } : {}),
  };
}
