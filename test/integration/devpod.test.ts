// The real devpod CLIs (each built from its pinned release source: loft-sh v0.6.15 and the skevetter fork v0.26.1,
// one after the other, each with a DEVPOD_HOME of its own) driving our released provider against the shared Nomad
// dev agent, with the raw_exec driver. The provider is what `npm run release` ships for linux-amd64 — the
// self-contained executable — which DevPod downloads from the release served on loopback HTTP, checks against the
// provider file's sha256, and runs with a PATH that has no `node` on it. `machine ssh` injects devpod's agent by
// streaming its own ~87 MB binary through our `command` stdin, then speaks SSH over it: the hardest test of the exec
// tunnel there is.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';
import { dirsWithNode, isElf, listedBinaries, pathWithoutNode, serveRelease, sha256File, type ServedRelease } from '../helpers/release.js';

const EXECUTABLE = 'devpod-provider-nomad-linux-amd64';
const nomad = sharedClient();
let served: ServedRelease;
let pathDir: string;

// One release served for both CLIs: the executable is built once.
beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
}, 600_000);

afterAll(async () => {
  await served?.close();
  if (pathDir) rmSync(pathDir, { recursive: true, force: true });
});

describe.each(DEVPOD_CLIS)('the devpod CLI $name with our provider', (cli) => {
  const machine = uniqueId('dp');
  const jobId = jobIdFor(machine);
  const agentDir = join(tmpdir(), `devpod-e2e-${machine}`);
  const home = mkdtempSync(join(tmpdir(), 'devpod-home-'));
  let dp: Devpod;
  const devpod = (args: string[], timeoutMs?: number) => dp.run(args, timeoutMs);

  beforeAll(() => {
    // TMPDIR: DevPod caches downloaded binaries in $TMPDIR/devpod-binaries; a fresh one makes it download.
    mkdirSync(join(home, 'tmp'));
    dp = devpodCli(home, 120_000, { PATH: pathDir, TMPDIR: join(home, 'tmp') }, cli);
  }, 900_000);

  afterAll(async () => {
    await nomad.jobs.purge(jobId).catch(() => undefined);
    rmSync(agentDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('gives DevPod a PATH on which there is no node', () => {
    expect(dirsWithNode(pathDir)).toEqual([]);
    expect(() => execFileSync('sh', ['-c', 'command -v node'], { env: { PATH: pathDir }, stdio: 'pipe' })).toThrow();
    // …but the shell and the rest of the machine's commands, which DevPod runs provider commands with.
    expect(execFileSync('sh', ['-c', 'command -v sh'], { env: { PATH: pathDir }, encoding: 'utf8' }).trim()).toBe(join(pathDir, 'sh'));
  });

  it('adds the released provider from its URL: DevPod downloads the executable, checks its sha256, runs init', async () => {
    const r = await devpod(
      providerAddArgs(`${served.url}/provider.yaml`, 'nomad', {
        NOMAD_ADDR: inject('nomadAddr'),
        NOMAD_DRIVER: 'raw_exec',
        NOMAD_CPU: '100',
        NOMAD_MEMORYMB: '256',
        AGENT_PATH: `${agentDir}/agent`,
        AGENT_DATA_PATH: `${agentDir}/data`,
      }),
    );
    // loft-sh: "Successfully configured provider 'nomad'"; the fork: "configured provider nomad".
    expect(r.out).toMatch(/configured provider '?nomad'?/i);
    expect(r.code).toBe(0);
    expect(served.requests).toEqual(expect.arrayContaining(['/provider.yaml', `/${EXECUTABLE}`]));
    // What DevPod runs is the served executable, byte for byte: a native ELF program, not the JS bundle.
    const [listed] = listedBinaries(join(served.dir, 'provider.yaml'));
    expect(listed).toMatchObject({ os: 'linux', arch: 'amd64', path: `${served.url}/${EXECUTABLE}` });
    const installed = join(home, 'contexts', 'default', 'providers', 'nomad', 'binaries', 'nomad_provider', EXECUTABLE);
    expect(await sha256File(installed)).toBe(listed!.checksum);
    expect(isElf(installed)).toBe(true);
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
    const r = await devpod(
      ['machine', 'ssh', machine, '--command', `echo hello from $(hostname); test -x ${agentDir}/agent && echo agent-installed`],
      180_000,
    );
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
