// Schema of the Vault group (catalog/vault.ts): the secrets the workspace reads and what happens when they change.
// Unlike the Go providers, neither VAULT_POLICIES_JSON nor VAULT_ADDR is required: with workload identity
// (Nomad >= 1.10) the Nomad client logs in to the Vault in its own `vault` block, with the role's policies.
import * as z from './zod.js';
import { ENV_NAME } from './parse.js';
import { oneOf, type OptionReader } from './reader.js';

export const CHANGE_MODES = ['restart', 'noop', 'signal'] as const;

export interface VaultSecret {
  path: string;
  fields: Record<string, string>;
}

export interface VaultConfig {
  addr?: string;
  /** VAULT_CACERT, as the vault CLI reads it: the CA of an https VAULT_ADDR, for the checks before submitting. */
  caCertPath?: string;
  role: string;
  namespace?: string;
  changeMode: (typeof CHANGE_MODES)[number];
  changeSignal?: string;
  policies: string[];
  secrets: VaultSecret[];
}

const secretsSchema = () => z.array(z.object({ path: z.string(), fields: z.record(z.string(), z.string()) }));

/** Each secret: a Vault path, and at least one field mapped to a valid environment variable name. */
function secretProblems(secrets: VaultSecret[]): string[] {
  const out: string[] = [];
  secrets.forEach((s, i) => {
    const at = `VAULT_SECRETS_JSON[${i}]`;
    if (!/^[^/\s]+\/[^\s]*[^/\s]$/.test(s.path) || s.path.split('/').includes('..'))
      out.push(
        `${at}.path=${JSON.stringify(s.path)} is not valid: expected a Vault path <mount>/<path>, e.g. secret/data/app (KV v2) or kv/app (KV v1)`,
      );
    const fields = Object.entries(s.fields);
    if (fields.length === 0)
      out.push(`${at}.fields is empty: expected at least one mapping of a Vault field to an environment variable, e.g. {"password": "DB_PASSWORD"}`);
    for (const [field, envName] of fields) {
      if (!ENV_NAME.test(envName))
        out.push(
          `${at}.fields.${field}=${JSON.stringify(envName)} is not valid: expected an environment variable name (letters, digits, _; not starting with a digit)`,
        );
    }
  });
  return out;
}

/** The Vault settings, when the workspace asks for secrets or policies; undefined otherwise. */
export function readVault(r: OptionReader): VaultConfig | undefined {
  const secrets =
    r.json('VAULT_SECRETS_JSON', 'a JSON list of {"path": "secret/data/...", "fields": {"vault_field": "ENV_NAME"}}', secretsSchema) ?? [];
  const policies = r.json('VAULT_POLICIES_JSON', 'a JSON list of Vault policy names, e.g. ["devpod-secrets"]', () => z.array(z.string()));
  const changeMode = r.get('VAULT_CHANGE_MODE', `one of ${CHANGE_MODES.join(', ')}`, oneOf(CHANGE_MODES), 'restart');
  const changeSignal = r.get(
    'VAULT_CHANGE_SIGNAL',
    'a signal name such as SIGHUP',
    (v) => (/^SIG[A-Z0-9]+$/.test(v) ? v : undefined),
    changeMode === 'signal' ? 'SIGHUP' : undefined,
  );
  if (r.values.VAULT_SECRETS_JSON !== undefined && secrets.length === 0 && !r.problems.some((p) => p.startsWith('VAULT_SECRETS_JSON'))) {
    r.problems.push(r.describe('VAULT_SECRETS_JSON', r.values.VAULT_SECRETS_JSON, 'at least one secret'));
  }
  r.problems.push(...secretProblems(secrets));
  if (secrets.length === 0 && (policies?.length ?? 0) === 0) return undefined;
  return {
    addr: r.text('VAULT_ADDR') || undefined,
    caCertPath: r.text('VAULT_CACERT') || undefined,
    role: r.text('VAULT_ROLE', 'nomad-workloads'),
    namespace: r.text('VAULT_NAMESPACE') || undefined,
    changeMode,
    changeSignal,
    policies: policies ?? [],
    secrets,
  };
}
