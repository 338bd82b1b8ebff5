// A real Vault for the tests: `vault server -dev` on loopback (built by scripts/vault-binary, VAULT_BIN wins) or
// OpenBao's `bao server -dev` (vault-servers.ts), set up for Nomad the way an operator does it
// (docs/operator-guide.md, "Vault secrets"), in the flow the harness's Nomad has: the token flow before Nomad 1.7 (a
// token role and a periodic token for the servers), workload identity from 1.7 (JWT auth at jwt-nomad against
// Nomad's JWKS, the nomad-workloads role). Every step is a plain Vault HTTP API call, the same on both servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, harnessNomadVersion, stopProcess } from './nomad-agent.js';
import { serverName, VAULT, type VaultServerKind } from './vault-servers.js';

export interface VaultServer {
  /** What the binary says it is, e.g. "Vault v1.14.3" or "OpenBao v2.6.2". */
  name: string;
  address: string;
  rootToken: string;
  logPath: string;
  /** A Vault HTTP API call with the root token; rejects on a non-2xx status with Vault's errors. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  seal(): Promise<void>;
  unseal(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A dev server of `kind` (Vault by default; OpenBao's `bao server -dev` takes the same flags and API). */
export async function startVaultServer(kind: VaultServerKind = VAULT): Promise<VaultServer> {
  const bin = kind.binary();
  const name = serverName(kind);
  const dir = mkdtempSync(join(tmpdir(), 'vault-test-'));
  const port = await freePort();
  const rootToken = randomUUID();
  const address = `http://127.0.0.1:${port}`;
  const logPath = join(dir, 'vault.log');
  const logFd = openSync(logPath, 'a');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
  const child: ChildProcess = spawn(
    bin,
    ['server', '-dev', `-dev-root-token-id=${rootToken}`, `-dev-listen-address=127.0.0.1:${port}`, '-dev-no-store-token'],
    { stdio: ['ignore', logFd, logFd], env },
  );
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '(no log)';
    }
  };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${address}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': rootToken },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`vault ${method} ${path}: HTTP ${res.status} ${text.trim()}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const stop = async () => {
    if (exited === undefined) await stopProcess(child, 'SIGTERM', 5_000);
    rmSync(dir, { recursive: true, force: true });
  };

  // Readiness is polled: test scaffolding waiting for a process to boot.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${name} ${exited} before it was ready; log:\n${log()}`);
    try {
      // Ready once healthy and the banner with the unseal key is out (it comes just after the listener).
      const res = await fetch(`${address}/v1/sys/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200 && /Unseal Key: \S+/.test(log())) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  if (Date.now() >= deadline) {
    await stop();
    throw new Error(`${name} at ${address} not ready in 30 s; log:\n${log()}`);
  }
  // The dev server prints its one unseal key; a test that seals Vault unseals it with that.
  const unsealKey = /Unseal Key: (\S+)/.exec(log())?.[1];
  return {
    name,
    address,
    rootToken,
    logPath,
    api,
    stop,
    seal: async () => {
      await api('PUT', 'sys/seal');
    },
    unseal: async () => {
      if (!unsealKey) throw new Error('the dev server printed no unseal key');
      await api('PUT', 'sys/unseal', { key: unsealKey });
    },
  };
}

export interface WorkloadSetup {
  /** Vault policy names and their rules. */
  policies: Record<string, string>;
  /** The role's token_policies (default: every policy above). */
  tokenPolicies?: string[];
}

/**
 * What an operator runs once (Nomad's `nomad setup vault` does the same): JWT auth at `jwt-nomad` that trusts
 * Nomad's JWKS, the `nomad-workloads` role every job logs in with by default, and the policies.
 */
export async function setUpNomadWorkloads(vault: VaultServer, nomadAddress: string, setup: WorkloadSetup): Promise<void> {
  await vault.api('POST', 'sys/auth/jwt-nomad', { type: 'jwt' });
  await vault.api('POST', 'auth/jwt-nomad/config', {
    jwks_url: `${nomadAddress}/.well-known/jwks.json`,
    jwt_supported_algs: ['RS256', 'EdDSA'],
    default_role: 'nomad-workloads',
  });
  for (const [name, policy] of Object.entries(setup.policies)) await vault.api('PUT', `sys/policies/acl/${name}`, { policy });
  await vault.api('POST', 'auth/jwt-nomad/role/nomad-workloads', {
    role_type: 'jwt',
    bound_audiences: ['vault.io'],
    user_claim: '/nomad_job_id',
    user_claim_json_pointer: true,
    claim_mappings: { nomad_namespace: 'nomad_namespace', nomad_job_id: 'nomad_job_id', nomad_task: 'nomad_task' },
    token_type: 'service',
    token_period: '30m',
    // Nomad renews the task's token: an explicit max TTL would end it.
    token_explicit_max_ttl: 0,
    token_policies: setup.tokenPolicies ?? Object.keys(setup.policies),
  });
}

/** Whether the harness's Nomad has Vault workload identity (1.7+); before it only the token flow. */
export const nomadHasVaultIdentity = (): boolean => {
  const [major, minor] = harnessNomadVersion();
  return major > 1 || minor >= 7;
};

/**
 * The agent's `vault` block for a Vault at `address`. With workload identity: the servers sign identities for aud
 * vault.io and clients log in with them. In the token flow: the servers' own Vault token (`serverToken`) and the
 * token role they derive task tokens from.
 */
export const nomadVaultConfig = (address: string, serverToken?: string) =>
  nomadHasVaultIdentity()
    ? `vault {
  enabled = true
  address = "${address}"
  default_identity {
    aud = ["vault.io"]
    ttl = "1h"
  }
}`
    : `vault {
  enabled = true
  address = "${address}"
  token = "${serverToken ?? 'no-vault-here'}"
  create_from_role = "${TOKEN_ROLE}"
}`;

const TOKEN_ROLE = 'nomad-cluster';

/**
 * The token flow, as Nomad's Vault integration guide for Nomad before 1.7 has the operator do it: a policy for the
 * servers' token, a token role whose allowed_policies are what jobs may ask for, and a periodic orphan token for
 * the servers. Returns that token, for the agent's vault block.
 */
export async function setUpNomadTokenFlow(vault: VaultServer, setup: WorkloadSetup): Promise<string> {
  for (const [name, policy] of Object.entries(setup.policies)) await vault.api('PUT', `sys/policies/acl/${name}`, { policy });
  await vault.api('PUT', 'sys/policies/acl/nomad-server', {
    policy: [
      `path "auth/token/create/${TOKEN_ROLE}" { capabilities = ["update"] }`,
      `path "auth/token/roles/${TOKEN_ROLE}" { capabilities = ["read"] }`,
      'path "auth/token/lookup-self" { capabilities = ["read"] }',
      'path "auth/token/lookup" { capabilities = ["update"] }',
      'path "auth/token/revoke-accessor" { capabilities = ["update"] }',
      'path "sys/capabilities-self" { capabilities = ["update"] }',
      'path "auth/token/renew-self" { capabilities = ["update"] }',
    ].join('\n'),
  });
  await vault.api('POST', `auth/token/roles/${TOKEN_ROLE}`, {
    allowed_policies: setup.tokenPolicies ?? Object.keys(setup.policies),
    disallowed_policies: ['nomad-server'],
    orphan: true,
    renewable: true,
    token_period: '72h',
    token_explicit_max_ttl: 0,
  });
  const created = await vault.api<{ auth: { client_token: string } }>('POST', 'auth/token/create-orphan', {
    policies: ['nomad-server'],
    period: '72h',
  });
  return created.auth.client_token;
}

/**
 * Vault set up for the harness's Nomad, in the flow it has: `config` goes into the agent's config, `ready` runs once
 * the agent is up (workload identity needs its JWKS address; the token flow needs nothing more).
 */
export async function vaultForNomad(
  vault: VaultServer,
  setup: WorkloadSetup,
): Promise<{ config: string; ready(nomadAddress: string): Promise<void> }> {
  if (nomadHasVaultIdentity()) {
    return { config: nomadVaultConfig(vault.address), ready: (nomadAddress) => setUpNomadWorkloads(vault, nomadAddress, setup) };
  }
  const serverToken = await setUpNomadTokenFlow(vault, setup);
  return { config: nomadVaultConfig(vault.address, serverToken), ready: async () => undefined };
}
