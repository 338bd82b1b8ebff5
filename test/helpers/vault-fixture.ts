// What the Vault tests share, for one Vault server kind (Vault or OpenBao, test/harness/vault-servers.ts): the server
// set up for the harness's Nomad in the flow it has, a Nomad agent with ACLs and the docker driver pointed at it, a
// token made from the policy we ship, and the provider's environment. `useVaultFixture` registers its beforeAll and
// afterAll in the describe block that calls it, so `describe.each` over the servers gives each its own.
//
// The agent's template vault_retry is shortened (3 tries) so a failing Vault read fails the task in seconds rather
// than Nomad's ~5 minutes (12 tries, backoff to 1 min); what the provider reports is the same either way.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { nomadHasVaultIdentity, startVaultServer, vaultForNomad, type VaultServer } from '../harness/vault-server.js';
import type { VaultServerKind } from '../harness/vault-servers.js';
import { cli, devpodEnv, type CliResult } from './cli.js';
import { busyboxRootfs, importImage } from './images.js';
import { clientFor, uniqueId } from './jobs.js';
import { SHIPPED_POLICY } from './provider-cluster.js';

export const IMAGE = 'devpod-test/busybox:1';
export const APP = '[{"path":"secret/data/devpod/app","fields":{"password":"DB_PASSWORD","user":"DB_USER"}}]';
export const POLICIES = '["devpod-secrets"]';
/** Nomad 1.7+ (workload identity, VAULT_ROLE) or before (token flow, VAULT_POLICIES_JSON). */
export const identity = nomadHasVaultIdentity();

export interface VaultFixture {
  readonly vault: VaultServer;
  readonly agent: NomadAgent;
  readonly nomad: NomadClient;
  /** The secret's values at secret/data/devpod/app. */
  readonly password: string;
  readonly user: string;
  /** A machine id, purged after the block. */
  machine(prefix: string): string;
  /** The provider's environment for machine `m` on this agent and Vault, with the token from the shipped policy. */
  env(m: string, extra?: Record<string, string>): Record<string, string>;
  /** `command` in the workspace. */
  run(m: string, script: string, extra?: Record<string, string>): Promise<CliResult>;
  /** A Nomad HTTP API call with the agent's management token. */
  nomadApi<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function useVaultFixture(kind: VaultServerKind): VaultFixture {
  const work = mkdtempSync(join(tmpdir(), 'vault-it-'));
  const password = `pw-${randomUUID()}`;
  const user = `user-${randomUUID().slice(0, 8)}`;
  const machines: string[] = [];
  let vault: VaultServer;
  let agent: NomadAgent;
  let nomad: NomadClient;
  let token: string;

  const nomadApi = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${agent.address}${path}`, {
      method,
      headers: { 'X-Nomad-Token': agent.token! },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };

  beforeAll(async () => {
    importImage(dockerCli(inject('dockerEndpoint')), busyboxRootfs(work), IMAGE);
    vault = await startVaultServer(kind);
    const forNomad = await vaultForNomad(vault, {
      policies: { 'devpod-secrets': 'path "secret/data/devpod/*" { capabilities = ["read"] }\npath "kv/devpod/*" { capabilities = ["read"] }\n' },
    });
    agent = await startNomadAgent({
      acl: true,
      dockerEndpoint: inject('dockerEndpoint'),
      extraConfig: forNomad.config,
      clientConfig: '  template {\n    vault_retry {\n      attempts = 3\n      backoff = "250ms"\n      max_backoff = "1s"\n    }\n  }\n',
    });
    nomad = clientFor(agent.address, agent.token);
    // KV v1 at kv/ as well as the dev server's KV v2 at secret/: a KV v1 secret with a ttl is re-read at 85-95 % of
    // that ttl, which is how the rotation tests see a new value in seconds (KV v2 has no lease: Nomad re-reads it
    // every ~4.5 min). The ttl is 15 s, not less: Nomad renders only after 5 s without a change (client template
    // wait min), and every re-read is a change to it (a new request id), so re-reads under 5 s apart would hold the
    // new value back until the wait's 4 min max (seen with a 4 s ttl).
    await vault.api('POST', 'sys/mounts/kv', { type: 'kv', options: { version: '1' } });
    await forNomad.ready(agent.address);
    await vault.api('POST', 'secret/data/devpod/app', { data: { password, user } });
    await vault.api('POST', 'secret/data/elsewhere/app', { data: { password: 'not-for-workspaces' } });
    await nomadApi('POST', '/v1/acl/policy/devpod', { Name: 'devpod', Rules: SHIPPED_POLICY });
    token = (await nomadApi<{ SecretID: string }>('POST', '/v1/acl/token', { Name: 'devpod', Type: 'client', Policies: ['devpod'] })).SecretID;
  }, 600_000);

  afterAll(async () => {
    for (const m of machines) await nomad?.jobs.purge(jobIdFor(m)).catch(() => undefined);
    await agent?.stop();
    await vault?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const env = (m: string, extra: Record<string, string> = {}) =>
    devpodEnv(m, {
      NOMAD_ADDR: agent.address,
      NOMAD_TOKEN: token,
      NOMAD_DRIVER: 'docker',
      NOMAD_IMAGE: IMAGE,
      NOMAD_TIMEOUT: '120s',
      VAULT_ADDR: vault.address,
      VAULT_SECRETS_JSON: APP,
      ...(identity ? {} : { VAULT_POLICIES_JSON: POLICIES }),
      ...extra,
    });

  return {
    get vault() {
      return vault;
    },
    get agent() {
      return agent;
    },
    get nomad() {
      return nomad;
    },
    password,
    user,
    machine(prefix) {
      const m = uniqueId(prefix);
      machines.push(m);
      return m;
    },
    env,
    run: (m, script, extra = {}) => cli(['command'], { ...env(m, extra), COMMAND: script }),
    nomadApi,
  };
}
