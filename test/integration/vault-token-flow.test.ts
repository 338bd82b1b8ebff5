// Nomad 1.6's Vault token flow step by step, against each Vault server kind in turn (Vault 1.14.3 and OpenBao 2.6.2,
// test/harness/vault-servers.ts): the servers validate their own token and the token role, derive a token per task
// from the role (auth/token/create/<role>), the client renews it, and the servers revoke it by accessor when the
// allocation stops; the same for a native-mode devcontainer. The task's token is read in the workspace (it is in
// VAULT_TOKEN there) and looked up with the root token. On Nomad 1.7+ this flow is not the one the harness sets
// up, and the blocks are reported as not run.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeOnNomad } from '../harness/nomad-versions.js';
import { serverName, vaultServers } from '../harness/vault-servers.js';
import { cli } from '../helpers/cli.js';
import { uniqueId } from '../helpers/jobs.js';
import { IMAGE, useVaultFixture, type VaultFixture } from '../helpers/vault-fixture.js';

const tokenFlow = describeOnNomad({ before: [1, 7, 0], feature: 'Vault token flow (the servers derive task tokens; gone in Nomad 1.10)' });

/** What auth/token/lookup says of a token (the fields the tests read; Vault and OpenBao answer the same). */
interface TokenInfo {
  policies: string[];
  orphan: boolean;
  renewable: boolean;
  role?: string;
  explicit_max_ttl: number;
  ttl: number;
  path: string;
  meta: Record<string, string>;
  creation_time: number;
  last_renewal_time?: number;
}

/** The token's lookup with the root token; undefined once it is revoked (both answer 403 "bad token"). */
async function lookup(f: VaultFixture, token: string): Promise<TokenInfo | undefined> {
  try {
    return (await f.vault.api<{ data: TokenInfo }>('POST', 'auth/token/lookup', { token })).data;
  } catch (err) {
    if (/HTTP 403 .*bad token/.test((err as Error).message)) return undefined;
    throw err;
  }
}

const vaultToken = async (f: VaultFixture, m: string) => {
  const r = await f.run(m, 'echo "$VAULT_TOKEN"');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString().trim();
};

/** Polled: revocation is the servers' background work after the allocation stops, announced to no client. */
async function revoked(f: VaultFixture, token: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await lookup(f, token))) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

for (const kind of vaultServers()) {
  const server = serverName(kind);
  tokenFlow(`the Vault token flow on ${server}`, () => {
    const f = useVaultFixture(kind);

    it("the servers accept their token and the token role and renew their token: no Vault warning or error in the agent's log", async () => {
      // Nomad validates the token role when it connects (nomad/vault.go validateRole reads auth/token/roles/<role>:
      // renewable, no explicit max TTL, and `period` or `token_period` non-zero; both servers answer period 0 beside
      // token_period). A failed validation is logged and retried, and no task would get a token.
      const m = f.machine('vault-flow-log');
      expect((await cli(['create'], f.env(m))).code).toBe(0);
      const log = readFileSync(f.agent.logPath, 'utf8');
      expect(log.split('\n').filter((l) => /\[(WARN|ERROR)\]\s+nomad\.vault/.test(l))).toEqual([]);
      expect(log).not.toMatch(/failed to validate self token\/role/);
      // The servers renew their own token at once (renewalLoop's first timer is 0), then at half its TTL.
      expect(log).toMatch(/nomad\.vault: successfully renewed token/);
    });

    it('derives the task token from the token role (orphan, renewable, with the job policies) and the client renews it', async () => {
      const m = f.machine('vault-flow-derive');
      expect((await cli(['create'], f.env(m))).code).toBe(0);
      const token = await lookup(f, await vaultToken(f, m));
      expect(token).toBeDefined();
      expect(token!.path).toBe('auth/token/create/nomad-cluster');
      expect(token!.policies).toEqual(expect.arrayContaining(['devpod-secrets']));
      expect(token!.policies).not.toContain('nomad-server');
      expect(token!.orphan).toBe(true);
      expect(token!.renewable).toBe(true);
      expect(token!.role).toBe('nomad-cluster');
      expect(token!.explicit_max_ttl).toBe(0);
      expect(token!.meta).toMatchObject({ Task: 'workspace', JobID: expect.stringMatching(/^devpod-vault-flow-derive/) });
      // Neither server marks a token made through a role with token_period as periodic in its lookup (no `period`:
      // the entry's own period is only set by a `period` in the create call); each renewal extends it by the role's
      // token_period, and no explicit max TTL ends it. The client renews the token as soon as it has it
      // (client/vaultclient RenewToken renews once before it schedules the next), so a renewal is on record already.
      expect(token!.last_renewal_time).toBeDefined();
      expect(token!.last_renewal_time).toBeGreaterThanOrEqual(token!.creation_time);
      expect(token!.ttl).toBeGreaterThan(72 * 3600 - 600);
    });

    it('revokes the task token when the workspace stops, and derives a new one on start', async () => {
      const m = f.machine('vault-flow-revoke');
      expect((await cli(['create'], f.env(m))).code).toBe(0);
      const first = await vaultToken(f, m);
      expect(await lookup(f, first)).toBeDefined();
      expect((await cli(['stop'], f.env(m))).code).toBe(0);
      expect(await revoked(f, first)).toBe(true);
      expect((await cli(['start'], f.env(m))).code).toBe(0);
      const second = await vaultToken(f, m);
      expect(second).not.toBe(first);
      expect(await lookup(f, second)).toBeDefined();
      expect((await f.run(m, 'echo "$DB_PASSWORD"')).stdout.toString()).toBe(`${f.password}\n`);
    }, 120_000);

    it('native mode: the devcontainer task gets the secret through a derived token, revoked when it is deleted', async () => {
      const id = uniqueId('vault-native');
      const env = { ...f.env(''), MACHINE_ID: '', DEVCONTAINER_ID: id };
      const runOptions = { uid: id, image: IMAGE, user: 'root', cmd: ['sleep', '3600'] };
      const run = await cli(['native', 'run'], { ...env, DEVCONTAINER_RUN_OPTIONS: JSON.stringify(runOptions) });
      expect(run.code, run.stderr).toBe(0);
      const printed = await cli(['native', 'command'], {
        ...env,
        DEVCONTAINER_USER: 'root',
        DEVCONTAINER_COMMAND: 'echo "$DB_PASSWORD"; echo "$VAULT_TOKEN"',
      });
      expect(printed.code, printed.stderr).toBe(0);
      const [secret, token] = printed.stdout.toString().trim().split('\n');
      expect(secret).toBe(f.password);
      expect((await lookup(f, token!))?.path).toBe('auth/token/create/nomad-cluster');
      expect((await cli(['native', 'delete'], env)).code).toBe(0);
      expect(await revoked(f, token!)).toBe(true);
    }, 120_000);
  });
}
