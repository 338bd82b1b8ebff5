// The tenancy docs/security.md states for the shipped policy, on a real agent with ACLs: two people whose tokens
// carry it in the same namespace reach each other's workspaces (a namespace is one trust group); with a namespace,
// a policy and a token each, made as the docs say, neither sees nor reaches the other's.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { uniqueId } from '../helpers/jobs.js';

const SHIPPED = readFileSync('deploy/nomad-acl-policy.hcl', 'utf8');
/** The shipped policy as its comment says to use it for raw_exec workspaces (the test agent's driver). */
const RAW_EXEC = SHIPPED.replace('# "alloc-node-exec", #', '"alloc-node-exec",   #');
let agent: NomadAgent;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${agent.address}${path}`, {
    method,
    headers: { 'X-Nomad-Token': agent.token! },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A person's client token, from `rules` (docs/security.md: a policy and a token per person). */
async function tokenOf(name: string, rules: string): Promise<string> {
  await api('POST', `/v1/acl/policy/${name}`, { Name: name, Rules: rules });
  return (await api<{ SecretID: string }>('POST', '/v1/acl/token', { Name: name, Type: 'client', Policies: [name] })).SecretID;
}

const as = (token: string, machine: string, extra: Record<string, string> = {}) =>
  devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_TOKEN: token, ...extra });

beforeAll(async () => {
  agent = await startNomadAgent({ acl: true });
  expect(RAW_EXEC).not.toBe(SHIPPED);
}, 120_000);
afterAll(() => agent?.stop());

describe('the shipped policy, everyone in one namespace', () => {
  const alices = uniqueId('alice');

  it("lets one person exec into and read another's workspace", async () => {
    const alice = await tokenOf('devpod-alice-shared', RAW_EXEC);
    const bob = await tokenOf('devpod-bob-shared', RAW_EXEC);
    expect((await cli(['create'], as(alice, alices))).code).toBe(0);
    const r = await cli(['command'], { ...as(bob, alices), COMMAND: 'printf %s "$NOMAD_JOB_NAME"' });
    expect([r.code, r.stdout.toString()]).toEqual([0, jobIdFor(alices)]);
    expect((await cli(['status'], as(bob, alices))).stdout.toString()).toBe('Running\n');
    await api('DELETE', `/v1/job/${jobIdFor(alices)}?purge=true`);
  });
});

describe('one namespace per person, as docs/security.md makes them', () => {
  const alices = uniqueId('alice');
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    for (const person of ['alice', 'bob'])
      await api('POST', `/v1/namespace/devpod-${person}`, { Name: `devpod-${person}`, Description: `DevPod workspaces of ${person}` });
    alice = await tokenOf('devpod-alice', RAW_EXEC.replace('namespace "default"', 'namespace "devpod-alice"'));
    bob = await tokenOf('devpod-bob', RAW_EXEC.replace('namespace "default"', 'namespace "devpod-bob"'));
    const created = await cli(['create'], as(alice, alices, { NOMAD_NAMESPACE: 'devpod-alice' }));
    expect(created.code, created.stderr).toBe(0);
  }, 120_000);
  afterAll(() => api('DELETE', `/v1/job/${jobIdFor(alices)}?purge=true&namespace=devpod-alice`).catch(() => undefined));

  it('keeps another person out of the workspace: no exec, no read', async () => {
    for (const command of ['command', 'status']) {
      const r = await cli([command], { ...as(bob, alices, { NOMAD_NAMESPACE: 'devpod-alice' }), COMMAND: 'true' });
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toMatch(/Permission denied|403/i);
      expect(r.stdout.toString(), command).toBe('');
    }
  });

  it('shows each person only their own namespace', async () => {
    expect((await cli(['status'], as(bob, alices, { NOMAD_NAMESPACE: 'devpod-bob' }))).stdout.toString()).toBe('NotFound\n');
    expect((await cli(['status'], as(alice, alices, { NOMAD_NAMESPACE: 'devpod-alice' }))).stdout.toString()).toBe('Running\n');
  });
});
