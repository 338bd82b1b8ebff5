// The provider on the cluster users run: one server and two clients with ACLs and mutual TLS (HTTP and RPC), every
// provider command run through the binary with a token made from the policy we ship (deploy/nomad-acl-policy.hcl),
// never the management token. Workspaces are real containers on the harness's Docker engine.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceName } from '../../src/adapters/jobspec/ports.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { NomadClient } from '../../src/adapters/nomad/client.js';
import { resolveConnection } from '../../src/adapters/nomad/connection.js';
import { nativeJobId } from '../../src/native/devcontainer.js';
import type { SecureCluster } from '../harness/nomad-cluster.js';
import { cli } from '../helpers/cli.js';
import { uniqueId } from '../helpers/jobs.js';
import { serviceListing } from '../helpers/ports.js';
import { IMAGE, SHIPPED_POLICY as POLICY, startProviderCluster, type ProviderCluster } from '../helpers/provider-cluster.js';

let setup: ProviderCluster;
let cluster: SecureCluster;
/** A client token with only the shipped policy. */
let token: string;

beforeAll(async () => {
  setup = await startProviderCluster();
  ({ cluster, token } = setup);
}, 180_000);

afterAll(async () => {
  await setup?.stop();
});

const env = (machine: string, extra: Record<string, string> = {}) => setup.env(machine, extra);
const word = async (e: Record<string, string>) => (await cli(['status'], e)).stdout.toString().trim();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe("machine mode with the shipped policy's token", () => {
  const machine = uniqueId('sec');

  afterAll(async () => {
    await cluster.api('DELETE', `/v1/job/${jobIdFor(machine)}?purge=true`).catch(() => undefined);
  });

  it('init accepts the token and finds every capability the options need', async () => {
    const r = await cli(['init'], env(machine, { DEVPOD_DEBUG: 'true' }));
    expect(r.stderr).toMatch(/the token has every capability the options need/);
    expect(r.code).toBe(0);
  });

  it('create, status, command, stop, start and delete all work', async () => {
    const e = env(machine);
    const created = await cli(['create'], e);
    expect(created.stderr).toMatch(/running on node \S+-client-\d/);
    expect(created.code).toBe(0);
    expect(await word(e)).toBe('Running');

    const data = randomBytes(1024 * 1024);
    const cat = await cli(['command'], { ...e, COMMAND: 'cat' }, data);
    expect([cat.code, sha(cat.stdout)]).toEqual([0, sha(data)]);
    const code = await cli(['command'], { ...e, COMMAND: 'echo out; echo err >&2; exit 9' });
    expect([code.code, code.stdout.toString(), code.stderr]).toEqual([9, 'out\n', 'err\n']);

    expect((await cli(['stop'], e)).code).toBe(0);
    expect(await word(e)).toBe('Stopped');
    expect((await cli(['start'], e)).code).toBe(0);
    expect(await word(e)).toBe('Running');
    expect((await cli(['delete'], e)).code).toBe(0);
    expect(await word(e)).toBe('NotFound');
  });

  it('follows the event stream over mutual TLS with the token (Job, Allocation and Evaluation topics)', async () => {
    const m = uniqueId('sec-ev');
    const conn = resolveConnection(cluster.tlsEnv(), { token });
    const nomad = new NomadClient(conn);
    const seen: string[] = [];
    const ctl = new AbortController();
    const following = nomad.events
      .follow(
        { topics: [`Job:${jobIdFor(m)}`, `Allocation:${jobIdFor(m)}`, `Evaluation:${jobIdFor(m)}`] },
        { onFrame: (f) => seen.push(...(f.Events ?? []).map((ev) => `${ev.Topic}:${ev.Type}`)) },
        ctl.signal,
      )
      .catch(() => undefined);
    try {
      expect((await cli(['create'], env(m))).code).toBe(0);
      expect(seen).toContain('Job:JobRegistered');
      expect(seen).toContain('Evaluation:EvaluationUpdated');
      expect(seen).toContain('Allocation:AllocationUpdated');
    } finally {
      ctl.abort();
      await following;
      await cli(['delete'], env(m));
    }
  });
});

describe("published ports with the shipped policy's token", () => {
  const m = uniqueId('sec-ports');
  afterAll(async () => {
    await cluster.api('DELETE', `/v1/job/${jobIdFor(m)}?purge=true`).catch(() => undefined);
  });

  it('init finds nothing missing; create publishes the service, status and GET /v1/service/<name> read it with the token', async () => {
    const e = env(m, { NOMAD_PORTS: 'web=3000', DEVPOD_DEBUG: 'true' });
    const init = await cli(['init'], e);
    expect([init.code, init.stderr]).toEqual([0, expect.stringMatching(/the token has every capability the options need/)]);
    expect((await cli(['create'], e)).code).toBe(0);
    const status = await cli(['status', '--output', 'json'], e);
    const { ports } = JSON.parse(status.stdout.toString()) as { ports: { address: string; service: string }[] };
    expect(ports).toEqual([expect.objectContaining({ label: 'web', port: 3000, service: serviceName(jobIdFor(m), 'web') })]);
    const nomad = new NomadClient(resolveConnection(cluster.tlsEnv(), { token }));
    const listed = await serviceListing(nomad, ports[0]!.service, [ports[0]!.address]);
    expect(listed).toEqual([ports[0]!.address]);
    expect((await cli(['delete'], e)).code).toBe(0);
    expect(await serviceListing(nomad, ports[0]!.service, [])).toEqual([]);
  });
});

describe("native mode with the shipped policy's token", () => {
  const id = uniqueId('sec-dc');
  const e = () => ({ ...env('unused'), MACHINE_ID: '', DEVCONTAINER_ID: id });

  afterAll(async () => {
    await cluster.api('DELETE', `/v1/job/${nativeJobId(id)}?purge=true`).catch(() => undefined);
  });

  it('run, find, command, target-architecture, stop, start and delete all work', async () => {
    const runOptions = {
      uid: id,
      image: IMAGE,
      user: 'root',
      entrypoint: '/bin/sh',
      cmd: ['-c', 'while sleep 1; do :; done'],
      env: { FROM_DC: 'yes' },
      labels: ['dev.containers.id=x'],
    };
    const run = await cli(['native', 'run'], { ...e(), DEVCONTAINER_RUN_OPTIONS: JSON.stringify(runOptions) });
    expect(run.stderr).toMatch(/running on node/);
    expect(run.code).toBe(0);
    expect(JSON.parse((await cli(['native', 'find'], e())).stdout.toString())).toMatchObject({ State: { Status: 'running' } });
    const cmd = await cli(['native', 'command'], { ...e(), DEVCONTAINER_USER: 'root', DEVCONTAINER_COMMAND: 'echo $FROM_DC; exit 4' });
    expect([cmd.stdout.toString(), cmd.code]).toEqual(['yes\n', 4]);
    expect((await cli(['native', 'target-architecture'], e())).stdout.toString()).toMatch(/^(amd64|arm64)\n$/);
    expect((await cli(['native', 'stop'], e())).code).toBe(0);
    expect(JSON.parse((await cli(['native', 'find'], e())).stdout.toString())).toMatchObject({ State: { Status: 'exited' } });
    expect((await cli(['native', 'start'], e())).code).toBe(0);
    expect(JSON.parse((await cli(['native', 'find'], e())).stdout.toString())).toMatchObject({ State: { Status: 'running' } });
    expect((await cli(['native', 'delete'], e())).code).toBe(0);
    expect((await cli(['native', 'find'], e())).stdout.toString()).toBe('');
  });
});

describe('a token without what the options need', () => {
  const machine = uniqueId('sec-acl');

  afterAll(async () => {
    await cluster.api('DELETE', `/v1/job/${jobIdFor(machine)}?purge=true`).catch(() => undefined);
  });

  it('without alloc-exec: init names it up front, and command names it too', async () => {
    const noExec = await cluster.tokenFor('devpod-no-exec', POLICY.replace(/^\s*"alloc-exec",.*$/m, ''));
    const r = await cli(['init'], env(machine, { NOMAD_TOKEN: noExec }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the token in NOMAD_TOKEN lacks what these options need:\n {2}- "alloc-exec" in namespace "default" \(command/);
    expect(r.stderr).not.toMatch(/"submit-job"|"read-job"/);

    expect((await cli(['create'], env(machine))).code).toBe(0);
    const c = await cli(['command'], { ...env(machine, { NOMAD_TOKEN: noExec }), COMMAND: 'true' });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/the token needs "alloc-exec"/);
  });

  it('with NOMAD_DRIVER=raw_exec, init names alloc-node-exec, which the shipped policy leaves out on purpose', async () => {
    const r = await cli(['init'], env(machine, { NOMAD_DRIVER: 'raw_exec' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/- "alloc-node-exec" in namespace "default" \(command on raw_exec tasks/);
  });

  it('a read-only token: init names submit-job and alloc-exec', async () => {
    const readOnly = await cluster.tokenFor('devpod-read', 'namespace "default" { policy = "read" }');
    const r = await cli(['init'], env(machine, { NOMAD_TOKEN: readOnly }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"submit-job" in namespace "default"[^\n]*\n {2}- "alloc-exec"/);
  });
});

describe('TLS settings, each wrong one named', () => {
  const machine = uniqueId('sec-tls');

  it('without a client certificate, the error names NOMAD_CLIENT_CERT', async () => {
    const e = env(machine);
    delete e.NOMAD_CLIENT_CERT;
    delete e.NOMAD_CLIENT_KEY;
    const r = await cli(['status'], e);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/NOMAD_CLIENT_CERT/);
    expect(r.stderr).not.toMatch(/NOMAD_TLS_SERVER_NAME/);
  });

  it('with the wrong CA, the error names NOMAD_CACERT', async () => {
    const r = await cli(['status'], env(machine, { NOMAD_CACERT: cluster.cliCert }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NOMAD_CACERT/);
    expect(r.stderr).not.toMatch(/NOMAD_CLIENT_CERT/);
  });

  it('with a server name the certificate does not carry, the error names NOMAD_TLS_SERVER_NAME', async () => {
    const r = await cli(['status'], env(machine, { NOMAD_TLS_SERVER_NAME: 'wrong.example' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong\.example/);
    expect(r.stderr).toMatch(/NOMAD_TLS_SERVER_NAME/);
  });

  it('reads CAs from NOMAD_CAPATH as the nomad CLI does', async () => {
    const dir = join(setup.work, 'capath');
    mkdirSync(dir, { recursive: true });
    copyFileSync(cluster.caFile, join(dir, 'nomad-ca.pem'));
    const e = env(machine, { NOMAD_CAPATH: dir });
    delete e.NOMAD_CACERT;
    const r = await cli(['status'], e);
    expect([r.stdout.toString(), r.code]).toEqual(['NotFound\n', 0]);
  });
});
