// The real devpod CLI (built from its pinned release source) driving our released provider against the shared
// Nomad dev agent, with the raw_exec driver. `machine ssh` injects devpod's agent by streaming its own ~87 MB binary
// through our `command` stdin, then speaks SSH over it: the hardest test of the exec tunnel there is.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { devpodCli, type Devpod } from '../helpers/devpod.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';

const root = resolve(import.meta.dirname, '..', '..');
const nomad = sharedClient();
let dp: Devpod;
let home: string;

const devpod = (args: string[], timeoutMs?: number) => dp.run(args, timeoutMs);

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'release.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  home = mkdtempSync(join(tmpdir(), 'devpod-home-'));
  dp = devpodCli(home);
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('the devpod CLI with our provider', () => {
  const machine = uniqueId('dp');
  const jobId = jobIdFor(machine);
  const agentDir = join(tmpdir(), `devpod-e2e-${machine}`);

  afterAll(async () => {
    await nomad.jobs.purge(jobId).catch(() => undefined);
    rmSync(agentDir, { recursive: true, force: true });
  });

  it('adds the released provider, which runs init against Nomad', async () => {
    const r = await devpod([
      'provider', 'add', join(root, 'release', 'provider.yaml'), '--name', 'nomad',
      '-o', `NOMAD_ADDR=${inject('nomadAddr')}`, '-o', 'NOMAD_DRIVER=raw_exec', '-o', 'NOMAD_CPU=100', '-o', 'NOMAD_MEMORYMB=256',
      '-o', `AGENT_PATH=${agentDir}/agent`, '-o', `AGENT_DATA_PATH=${agentDir}/data`,
    ]);
    expect(r.out).toMatch(/Successfully configured provider 'nomad'/);
    expect(r.code).toBe(0);
  });

  it('creates a machine: the Nomad job runs when create returns', async () => {
    const r = await devpod(['machine', 'create', machine, '--provider', 'nomad']);
    expect(r.out).toMatch(/running on node/);
    expect(r.code).toBe(0);
    const allocs = (await nomad.jobs.allocations(jobId)).data;
    expect(allocs.some((a) => a.ClientStatus === 'running')).toBe(true);
  });

  it('reports the machine Running', async () => {
    const r = await devpod(['machine', 'status', machine, '--output', 'json']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/"state":\s*"Running"/i);
  });

  it('injects the devpod agent through `command` and runs a command over SSH', async () => {
    const r = await devpod(['machine', 'ssh', machine, '--command', 'echo hello from $(hostname); test -x ' + `${agentDir}/agent && echo agent-installed`], 180_000);
    expect(r.out).toMatch(/hello from \S+/);
    expect(r.out).toContain('agent-installed');
    expect(r.code).toBe(0);
  });

  it('stops the machine, keeping the job, and starts it again', async () => {
    expect((await devpod(['machine', 'stop', machine])).code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data?.Stop).toBe(true);
    expect((await devpod(['machine', 'status', machine, '--output', 'json'])).out).toMatch(/"state":\s*"Stopped"/i);
    expect((await devpod(['machine', 'start', machine])).code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data?.Stop).toBe(false);
    const r = await devpod(['machine', 'ssh', machine, '--command', 'echo back'], 180_000);
    expect(r.out).toContain('back');
  });

  it('deletes the machine and its job', async () => {
    const r = await devpod(['machine', 'delete', machine]);
    expect(r.code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
  });
});
