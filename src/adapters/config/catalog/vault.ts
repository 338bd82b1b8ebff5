// Secrets from Vault into the workspace task, through Nomad; the provider never reads them.
import type { OptionGroup } from './types.js';

export const VAULT: OptionGroup = {
  name: 'Vault',
  defaultVisible: false,
  options: [
    {
      name: 'VAULT_ADDR',
      description:
        "Vault address as the workspace sees it, set as VAULT_ADDR there. Optional: Nomad's clients reach Vault through their own vault block. When set, create/start/init/plan first check that this Vault is unsealed and has VAULT_ROLE.",
      details: '[Vault secrets](operator-guide.md#vault-secrets).',
    },
    {
      name: 'VAULT_CACERT',
      description: 'Path of the PEM CA certificate of an https VAULT_ADDR, for the checks create, start, init and plan make before submitting.',
      details: 'As the vault CLI reads it.',
    },
    {
      name: 'VAULT_ROLE',
      default: 'nomad-workloads',
      description: 'Vault role for Nomad workload identity (default nomad-workloads).',
    },
    {
      name: 'VAULT_NAMESPACE',
      description: 'Vault namespace (Vault and Nomad Enterprise).',
      details: 'Namespaces need Nomad Enterprise; the agent says so.',
    },
    {
      name: 'VAULT_CHANGE_MODE',
      default: 'restart',
      description: 'What happens when the Vault token or secrets change, restart (default), noop or signal.',
      details: 'Environment templates cannot be signalled: with `signal`, new secret values apply at the next restart.',
    },
    {
      name: 'VAULT_CHANGE_SIGNAL',
      default: 'SIGHUP',
      description: 'Signal for VAULT_CHANGE_MODE=signal (default SIGHUP).',
    },
    {
      name: 'VAULT_POLICIES_JSON',
      description:
        'JSON list of Vault policies for the workspace\'s token, e.g. ["devpod-secrets"]: required with secrets before Nomad 1.7 (token flow), sent on 1.7 to 1.9, not sent from 1.10 (the role\'s token_policies decide); init, plan and create say which.',
      details: '[Nomad and Vault versions](nomad-versions.md#vault-which-flow).',
    },
    {
      name: 'VAULT_SECRETS_JSON',
      common: true,
      description:
        'JSON list of KV secrets (v2 or v1) to expose as environment variables: [{"path": "secret/data/app", "fields": {"password": "DB_PASSWORD"}}]. Values go from Vault to the task through Nomad, never through the provider.',
      details:
        'One template per secret renders the fields into `secrets/vault-N.env` (`env = true`). Rules: each path `<mount>/<path>` (KV v2 or v1); at least one field; valid environment variable names.',
    },
  ],
};
