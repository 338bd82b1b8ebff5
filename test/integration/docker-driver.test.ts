// Machine mode on Nomad's docker driver with a real Docker engine (Debian's docker.io, started by the harness):
// the workspace is a real container, created, exec'd into, stopped, started and deleted through the provider
// binary, and the container it runs as is checked from Docker's side (unprivileged, no host socket).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';

const IMAGE = 'devpod-test/busybox:1';
const work = mkdtempSync(join(tmpdir(), 'docker-driver-'));
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
let agent: NomadAgent;
let nomad: NomadClient;

beforeAll(async () => {
  importImage(docker, busyboxRootfs(work), IMAGE);
  agent = await startNomadAgent({ dockerEndpoint: endpoint });
  nomad = clientFor(agent.address);
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The containers Docker runs for a job's allocations (Nomad names them <task>-<alloc id>). */
async function containersOf(
  jobId: string,
): Promise<Array<{ Id: string; State: { Running: boolean }; HostConfig: Record<string, unknown>; Mounts: Array<{ Source: string }> }>> {
  const allocs = (await nomad.jobs.allocations(jobId)).data ?? [];
  const names = allocs.map((a) => `workspace-${a.ID}`);
  const ids = docker(['ps', '-a', '-q', '--no-trunc', ...names.flatMap((n) => ['--filter', `name=${n}`])])
    .split('\n')
    .filter(Boolean);
  return names.length && ids.length ? JSON.parse(docker(['inspect', ...ids])) : [];
}

describe('machine mode on the docker driver (a real Docker engine)', () => {
  const machine = uniqueId('dkr');
  const jobId = jobIdFor(machine);
  const env = () => devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: IMAGE });

  afterAll(async () => {
    await nomad?.jobs.purge(jobId).catch(() => undefined);
  });

  it('create runs the workspace as an unprivileged container without the host Docker socket', async () => {
    const r = await cli(['create'], env());
    expect(r.stderr).toMatch(/running on node/);
    expect(r.code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Running\n');
    const [container, ...more] = await containersOf(jobId);
    expect(more).toEqual([]);
    expect(container!.State.Running).toBe(true);
    expect(container!.HostConfig.Privileged).toBe(false);
    expect(container!.Mounts.map((m) => m.Source)).not.toContain('/var/run/docker.sock');
  });

  it('command runs inside the container: its own PID 1, stdout and stderr apart, the exit code passed on', async () => {
    const pid1 = await cli(['command'], { ...env(), COMMAND: 'cat /proc/1/cmdline | tr "\\0" " "; echo; ls /.dockerenv' });
    expect(pid1.stdout.toString()).toMatch(/^\/bin\/sh -c trap 'exit 0' TERM INT; .*\n\/\.dockerenv\n$/);
    const errors = await cli(['command'], { ...env(), COMMAND: 'printf out; echo err >&2; exit 42' });
    expect([errors.stdout.toString(), errors.stderr, errors.code]).toEqual(['out', 'err\n', 42]);
  });

  it("returns every byte of a 4 MiB echo, five times over (Nomad's docker exec drops the end unless we wait for it)", async () => {
    // Without the end-of-output trailers, about one run in three came back short here (hashicorp/nomad#27146).
    for (let i = 0; i < 5; i++) {
      const data = randomBytes(4 * 1024 * 1024);
      const cat = await cli(['command'], { ...env(), COMMAND: 'cat' }, data);
      expect(cat.stdout.length).toBe(data.length);
      expect(createHash('sha256').update(cat.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      expect(cat.code).toBe(0);
    }
  });

  it('stop ends the container, start runs a new one, delete leaves neither job nor container', async () => {
    expect((await cli(['stop'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Stopped\n');
    expect((await containersOf(jobId)).filter((c) => c.State.Running)).toEqual([]);

    expect((await cli(['start'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Running\n');
    expect((await containersOf(jobId)).filter((c) => c.State.Running)).toHaveLength(1);

    const before = await containersOf(jobId);
    expect((await cli(['delete'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('NotFound\n');
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
    const left = docker(['ps', '-a', '-q', '--no-trunc']).split('\n');
    for (const c of before) expect(left).not.toContain(c.Id);
  });
});

describe('docker driver failures come back with the reason', () => {
  const machine = uniqueId('dkr-bad');
  const jobId = jobIdFor(machine);

  afterAll(async () => {
    await nomad?.jobs.purge(jobId).catch(() => undefined);
  });

  it('an image that cannot be pulled fails create with the pull error, and the job is stopped', async () => {
    const env = devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: '127.0.0.1:9/devpod-test/missing:1' });
    const r = await cli(['create'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot run: .*127\.0\.0\.1:9\/devpod-test\/missing:1/);
    expect((await nomad.jobs.read(jobId)).data!.Stop).toBe(true);
    expect((await cli(['status'], env)).stdout.toString()).toBe('Stopped\n');
  }, 120_000);
});

describe('what the docker config needs of the client is a placement constraint, proven both ways', () => {
  const cert = join(work, 'devpod-test-ca.crt');
  const target = '/usr/local/share/ca-certificates/devpod-test.crt';
  const options = (address: string) => ({ NOMAD_ADDR: address, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: IMAGE, NOMAD_CA_CERTS: `${cert}:${target}` });
  let withVolumes: NomadAgent | undefined;

  beforeAll(() => writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n'));
  afterAll(async () => {
    await withVolumes?.stop();
  });

  it('a CA mount on a client without docker volumes is refused at placement, by name, and nothing runs', async () => {
    const machine = uniqueId('dkr-ca');
    const env = devpodEnv(machine, options(agent.address));
    const plan = await cli(['plan'], env);
    expect(plan.code).toBe(1);
    expect(plan.stdout.toString()).toMatch(/1 node without docker host mounts \(the client's docker plugin needs volumes \{ enabled = true \}\)/);
    const r = await cli(['create'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/without docker host mounts/);
    expect(await containersOf(jobIdFor(machine))).toEqual([]);
    await nomad.jobs.purge(jobIdFor(machine)).catch(() => undefined);
  });

  it('with volumes enabled on the client the certificate is mounted read-only at its target', async () => {
    withVolumes = await startNomadAgent({ dockerEndpoint: endpoint, dockerConfig: '    volumes {\n      enabled = true\n    }' });
    const machine = uniqueId('dkr-ca-ok');
    const env = devpodEnv(machine, options(withVolumes.address));
    const created = await cli(['create'], env);
    expect(created.code).toBe(0);
    const read = await cli(['command'], { ...env, COMMAND: `cat ${target}; echo x >> ${target} 2>/dev/null || echo read-only` });
    expect(read.stdout.toString()).toBe('-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\nread-only\n');
    expect((await cli(['delete'], env)).code).toBe(0);
  });

  // A named volume is a folder of the workspace's own Nomad volume (src/native/named-volumes.ts; kept across
  // stop/up and --recreate with real devpod CLIs in native-sindri.test.ts). With none, run says so.
  it('native mode says which mounts it skips, and that a named volume is not kept without a workspace volume: no Docker volume is made', async () => {
    const id = uniqueId('vol');
    const volume = `devpod-test-${id}`;
    const env = { ...devpodEnv('unused', { NOMAD_ADDR: withVolumes!.address, NOMAD_DRIVER: 'docker' }), MACHINE_ID: '', DEVCONTAINER_ID: id };
    const runOptions = {
      image: IMAGE,
      user: 'root',
      entrypoint: '/bin/sh',
      cmd: ['-c', "trap 'exit 0' TERM; while sleep 1 & wait $!; do :; done"],
      mounts: [
        { type: 'volume', source: volume, target: '/data' },
        { type: 'bind', source: '/home/someone/.ssh', target: '/root/.ssh' },
      ],
    };
    const run = await cli(['native', 'run'], { ...env, DEVCONTAINER_RUN_OPTIONS: JSON.stringify(runOptions) });
    expect(run.stderr).toMatch(/bind mount \/home\/someone\/\.ssh → \/root\/\.ssh is not carried: a bind mount names a path on DevPod's machine/);
    expect(run.stderr).toContain(
      `volume ${volume} → /data is not kept: it is a folder of the workspace's Nomad volume, and there is none (set NOMAD_VOLUME_TYPE)`,
    );
    expect(run.code).toBe(0);
    try {
      expect(
        (
          await cli(['native', 'command'], { ...env, DEVCONTAINER_COMMAND: 'mkdir -p /data && echo here > /data/f && cat /data/f' })
        ).stdout.toString(),
      ).toBe('here\n');
      expect(docker(['volume', 'ls', '-q']).split('\n')).not.toContain(volume);
    } finally {
      await cli(['native', 'delete'], env);
    }
  });
});
