// The Vault side of workload identity (Nomad 1.7+), on each Vault server kind (Vault 1.14.3 and OpenBao 2.6.2):
// the operator's setup as the harness does it for a Nomad 1.7+ (setUpNomadWorkloads: JWT auth at jwt-nomad trusting
// a JWKS, the nomad-workloads role), a login with a JWT in the shape Nomad's workload identities have, signed here
// with a key the test serves as the JWKS on loopback, and the provider's own pre-submit checks (probeVault: sealed,
// the role exists). No Nomad ≥ 1.7 runs here (BUSL): that Nomad's servers sign such a JWT and its clients log in
// with it stays unproven on a running Nomad ≥ 1.7; what Vault and OpenBao do with it is proven.
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVault } from '../../src/adapters/vault.js';
import { setUpNomadWorkloads, startVaultServer, type VaultServer } from '../harness/vault-server.js';
import { serverName, vaultServers } from '../harness/vault-servers.js';

const KID = `test-${randomUUID().slice(0, 8)}`;
let privateKey: KeyObject;
let jwks: Server;
let jwksBase: string;

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A JWT with the claims Nomad's workload identity for Vault carries (default aud vault.io, one hour). */
function nomadIdentity(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    aud: ['vault.io'],
    iat: now,
    nbf: now,
    exp: now + 3600,
    jti: randomUUID(),
    sub: 'global:default:devpod-ws:workspace:workspace:vault_default',
    nomad_namespace: 'default',
    nomad_job_id: 'devpod-ws',
    nomad_allocation_id: randomUUID(),
    nomad_task: 'workspace',
    ...claims,
  };
  const head = `${b64url(JSON.stringify({ alg: 'RS256', kid: KID, typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${b64url(sign('sha256', Buffer.from(head), privateKey))}`;
}

beforeAll(async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
  // Nomad serves its signing keys at /.well-known/jwks.json; this stands in for it.
  jwks = createServer((req, res) => {
    res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((ok) => jwks.listen(0, '127.0.0.1', ok));
  jwksBase = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((ok) => jwks?.close(ok));
});

describe.each(vaultServers().map((k) => [serverName(k), k] as const))('workload identity, the Vault side, on %s', (_name, kind) => {
  let vault: VaultServer;

  beforeAll(async () => {
    vault = await startVaultServer(kind);
    await setUpNomadWorkloads(vault, jwksBase, { policies: { 'devpod-secrets': 'path "secret/data/devpod/*" { capabilities = ["read"] }\n' } });
    await vault.api('POST', 'secret/data/devpod/app', { data: { password: 'from-vault' } });
  }, 120_000);

  afterAll(async () => {
    await vault?.stop();
  });

  const login = (jwt: string, role = 'nomad-workloads') =>
    fetch(`${vault.address}/v1/auth/jwt-nomad/login`, { method: 'POST', body: JSON.stringify({ role, jwt }) });

  it("a task's identity logs in to the role: a renewable service token with the role's policies and the job's claims", async () => {
    const res = await login(nomadIdentity());
    const body = (await res.json()) as {
      auth: { client_token: string; policies: string[]; renewable: boolean; lease_duration: number; metadata: Record<string, string> };
    };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.auth.policies).toEqual(expect.arrayContaining(['devpod-secrets']));
    expect(body.auth.renewable).toBe(true);
    expect(body.auth.lease_duration).toBe(30 * 60);
    expect(body.auth.metadata).toMatchObject({ nomad_job_id: 'devpod-ws', nomad_namespace: 'default', nomad_task: 'workspace' });
    const secret = await fetch(`${vault.address}/v1/secret/data/devpod/app`, { headers: { 'X-Vault-Token': body.auth.client_token } });
    expect(((await secret.json()) as { data: { data: { password: string } } }).data.data.password).toBe('from-vault');
  });

  it('refuses an identity for another audience, an expired one, and one signed by another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await login(nomadIdentity({ aud: ['consul.io'] }))).status).toBe(400);
    expect((await login(nomadIdentity({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))).status).toBe(400);
    const [head, payload] = nomadIdentity().split('.');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = `${head}.${payload}.${b64url(sign('sha256', Buffer.from(`${head}.${payload}`), other))}`;
    expect((await login(forged)).status).toBe(400);
  });

  it("the provider's checks before submitting: the role is found, a missing role is named, a sealed server is said", async () => {
    expect(await probeVault(vault.address, { role: 'nomad-workloads' })).toMatchObject({ ok: true });
    const missing = await probeVault(vault.address, { role: 'no-such-role' });
    expect(missing).toMatchObject({ ok: false, problem: 'role' });
    expect(missing.ok || missing.message).toMatch(/has no role "no-such-role" at auth\/jwt-nomad \(VAULT_ROLE\)/);
    await vault.seal();
    try {
      expect(await probeVault(vault.address, { role: 'nomad-workloads' })).toMatchObject({ ok: false, problem: 'sealed' });
    } finally {
      await vault.unseal();
    }
  });
});
