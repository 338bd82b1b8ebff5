// A real Vault for the tests: `vault server -dev` on loopback (built by scripts/vault-binary, VAULT_BIN wins), set
// up for Nomad's workload identity the way an operator does it (README "Vault"): JWT auth at jwt-nomad against
// Nomad's JWKS, the nomad-workloads role, a policy, KV secrets. Every step is a plain Vault HTTP API call.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, stopProcess } from './nomad-agent.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Path of the pinned Vault binary (VAULT_BIN wins); builds it on first use. */
export function vaultBinary(): string {
  return execFileSync(join(repoRoot, 'scripts', 'vault-binary'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface VaultServer {
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

export async function startVaultServer(): Promise<VaultServer> {
  const bin = vaultBinary();
  const dir = mkdtempSync(join(tmpdir(), 'vault-test-'));
  const port = await freePort();
  const rootToken = randomUUID();
  const address = `http://127.0.0.1:${port}`;
  const logPath = join(dir, 'vault.log');
  const logFd = openSync(logPath, 'a');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
  const child: ChildProcess = spawn(bin, [
    'server', '-dev', `-dev-root-token-id=${rootToken}`, `-dev-listen-address=127.0.0.1:${port}`, '-dev-no-store-token',
  ], { stdio: ['ignore', logFd, logFd], env });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });
  const log = () => { try { return readFileSync(logPath, 'utf8'); } catch { return '(no log)'; } };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${address}/v1/${path}`, {
      method, headers: { 'X-Vault-Token': rootToken }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000),
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
    if (exited !== undefined) throw new Error(`vault ${exited} before it was ready; log:\n${log()}`);
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
    throw new Error(`vault at ${address} not ready in 30 s; log:\n${log()}`);
  }
  // The dev server prints its one unseal key; a test that seals Vault unseals it with that.
  const unsealKey = /Unseal Key: (\S+)/.exec(log())?.[1];
  return {
    address, rootToken, logPath, api, stop,
    seal: async () => { await api('PUT', 'sys/seal'); },
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

/** The agent's `vault` block for a Vault at `address` (servers sign identities for aud vault.io; clients log in). */
export const nomadVaultConfig = (address: string) => `vault {
  enabled = true
  address = "${address}"
  default_identity {
    aud = ["vault.io"]
    ttl = "1h"
  }
}`;
