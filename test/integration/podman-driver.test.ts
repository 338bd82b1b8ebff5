// Machine mode on nomad-driver-podman v0.4.1 with a real Podman (Debian's podman + runc, its API served by the harness
// on a private socket with its own storage): the workspace is a real podman container, run by the released
// linux-amd64 executable — created, exec'd into byte-exact, limited as Nomad says, stopped, started with its files
// on a host volume, deleted — and pulled with job-level registry credentials from the TLS registry on loopback.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent, workspacesHostVolume } from '../harness/nomad-agent.js';
import { startPodmanService, trustRegistryCa, type PodmanService } from '../harness/podman-service.js';
import { cli as runCli, devpodEnv } from '../helpers/cli.js';
import { busyboxRootfs } from '../helpers/images.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';
import { eventually, httpGet, serviceAddresses, statusPorts } from '../helpers/ports.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { release } from '../helpers/release.js';

const IMAGE = 'localhost/devpod-test/busybox:1';
const work = mkdtempSync(join(tmpdir(), 'podman-driver-'));
const volume = join(work, 'volume');
const ROOTFS_TAR = join(work, 'rootfs.tar');
let podman: PodmanService;
let agent: NomadAgent;
let nomad: NomadClient;
let bin: string;

/** The released executable, as DevPod runs it. */
const cli = (args: string[], env: Record<string, string>, stdin?: Buffer | string) => runCli(args, env, stdin, { bin });

beforeAll(async () => {
  podman = await startPodmanService();
  execFileSync('tar', ['-c', '-f', ROOTFS_TAR, '-C', busyboxRootfs(work), '.']);
  const tar = readFileSync(ROOTFS_TAR);
  podman.podman(['import', '--change', 'CMD ["/bin/sh"]', '-', IMAGE], tar);
  agent = await startNomadAgent({
    extraConfig: podman.agentConfig,
    drivers: ['podman'],
    clientConfig: workspacesHostVolume(volume),
  });
  nomad = clientFor(agent.address);
  release('linux-amd64', join(work, 'release'));
  bin = join(work, 'release', 'devpod-provider-nomad-linux-amd64');
}, 600_000);

afterAll(async () => {
  await agent?.stop();
  await podman?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface PodmanContainer {
  Id: string;
  Names: string[];
  State: string;
}

/** The podman containers of a job's allocations (the driver names them <task>-<alloc id>). */
async function containersOf(jobId: string): Promise<PodmanContainer[]> {
  const allocs = (await nomad.jobs.allocations(jobId)).data ?? [];
  const names = new Set(allocs.map((a) => `workspace-${a.ID}`));
  const all = JSON.parse(podman.podman(['ps', '-a', '--format', 'json'])) as PodmanContainer[];
  return all.filter((c) => c.Names.some((n) => names.has(n)));
}

describe('machine mode on the podman driver (a real Podman)', () => {
  const machine = uniqueId('pdm');
  const jobId = jobIdFor(machine);
  const env = () =>
    devpodEnv(machine, {
      NOMAD_ADDR: agent.address,
      NOMAD_DRIVER: 'podman',
      NOMAD_IMAGE: IMAGE,
      NOMAD_MEMORYMB: '192',
      NOMAD_CPU: '300',
      NOMAD_VOLUME_TYPE: 'host',
      NOMAD_VOLUME_SOURCE: 'devpod-workspaces',
      NOMAD_VOLUME_MOUNT: '/workspaces',
    });

  afterAll(async () => {
    await nomad?.jobs.purge(jobId).catch(() => undefined);
  });

  it('create runs the workspace as one running podman container', async () => {
    const r = await cli(['create'], env());
    expect(r.stderr).toMatch(/running on node/);
    expect(r.code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Running\n');
    const running = (await containersOf(jobId)).filter((c) => c.State === 'running');
    expect(running).toHaveLength(1);
  });

  it('command runs inside the container: its own PID 1, stdout and stderr apart, the exit code passed on', async () => {
    const pid1 = await cli(['command'], { ...env(), COMMAND: 'cat /proc/1/cmdline | tr "\\0" " "' });
    expect(pid1.stdout.toString()).toMatch(/^\/bin\/sh -c trap 'exit 0' TERM INT; /);
    const errors = await cli(['command'], { ...env(), COMMAND: 'printf out; echo err >&2; exit 42' });
    expect([errors.stdout.toString(), errors.stderr, errors.code]).toEqual(['out', 'err\n', 42]);
    expect((await cli(['command'], { ...env(), COMMAND: 'exit 0' })).code).toBe(0);
  });

  it('returns every byte of a 4 MiB cat, three times over', async () => {
    for (let i = 0; i < 3; i++) {
      const data = randomBytes(4 * 1024 * 1024);
      const cat = await cli(['command'], { ...env(), COMMAND: 'cat' }, data);
      expect(cat.stdout.length).toBe(data.length);
      expect(createHash('sha256').update(cat.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      expect(cat.code).toBe(0);
    }
  });

  it("passes stdin's end on (the driver's exec does not: the provider frames stdin), and a command that leaves its stdin unread still ends", async () => {
    const wc = await cli(['command'], { ...env(), COMMAND: 'wc -c' }, 'abc');
    expect([wc.stdout.toString().trim(), wc.code]).toEqual(['3', 0]);
    const empty = await cli(['command'], { ...env(), COMMAND: 'cat; echo end' });
    expect(empty.stdout.toString()).toBe('end\n');
    const early = await cli(['command'], { ...env(), COMMAND: 'head -c 2; exit 7' }, randomBytes(1024 * 1024));
    expect(early.code).toBe(7);
    expect(early.stdout.length).toBe(2);
  });

  it("sees Nomad's memory and CPU limits inside the task (cgroup v1: the memory limit, the CPU shares)", async () => {
    const r = await cli(['command'], {
      ...env(),
      COMMAND:
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.weight',
    });
    expect(r.code, r.stderr).toBe(0);
    const [memory, cpu] = r.stdout.toString().trim().split('\n');
    expect(Number(memory)).toBe(192 * 1024 * 1024);
    expect(Number(cpu)).toBe(300);
  });

  it('stop ends the container, start runs a new one with the files on the volume, delete leaves neither job nor container', async () => {
    expect((await cli(['command'], { ...env(), COMMAND: 'echo kept > /workspaces/f' })).code).toBe(0);
    expect((await cli(['stop'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Stopped\n');
    expect((await containersOf(jobId)).filter((c) => c.State === 'running')).toEqual([]);

    expect((await cli(['start'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Running\n');
    expect((await cli(['command'], { ...env(), COMMAND: 'cat /workspaces/f' })).stdout.toString()).toBe('kept\n');

    const before = await containersOf(jobId);
    expect(before.length).toBeGreaterThan(0);
    expect((await cli(['delete'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('NotFound\n');
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
    const left = (JSON.parse(podman.podman(['ps', '-a', '--format', 'json'])) as PodmanContainer[]).map((c) => c.Id);
    for (const c of before) expect(left).not.toContain(c.Id);
  });
});

describe('a published port on podman (NOMAD_PORTS): the host port mapped to the workspace port', () => {
  const machine = uniqueId('pdm-port');
  const env = () => devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'podman', NOMAD_IMAGE: IMAGE, NOMAD_PORTS: 'web=3000' });

  afterAll(async () => {
    await cli(['delete'], env());
  });

  it('answers from the host at the address status reports, with no session open', async () => {
    expect((await cli(['create'], env())).code).toBe(0);
    const httpd = 'mkdir -p /tmp/www && echo "hello from podman" > /tmp/www/index.html && httpd -p 3000 -h /tmp/www';
    expect((await cli(['command'], { ...env(), COMMAND: httpd })).code).toBe(0);
    const { state, ports } = await statusPorts(env());
    expect(state).toBe('running');
    expect(ports).toMatchObject([{ label: 'web', port: 3000 }]);
    const answer = await eventually(() => httpGet(ports[0]!.address));
    expect(answer).toEqual({ status: 200, body: 'hello from podman\n' });
    expect(await serviceAddresses(nomad, ports[0]!.service)).toEqual([ports[0]!.address]);
  });
});

describe("registry credentials for podman: the driver's auth block, the TLS registry on loopback", () => {
  const endpoint = inject('dockerEndpoint');
  let registry: PrivateRegistry;
  let image: string;
  let untrust: (() => void) | undefined;

  beforeAll(async () => {
    registry = await startPrivateRegistry(join(work, 'registry'));
    untrust = trustRegistryCa(registry.address, registry.caPath);
    const docker = dockerCli(endpoint);
    const tar = readFileSync(ROOTFS_TAR);
    docker(['import', '--change', 'CMD ["/bin/sh"]', '-', 'devpod-test/podman-src:1'], tar);
    image = registry.push(docker, 'devpod-test/podman-src:1', 'podman-ws:1');
    docker(['rmi', 'devpod-test/podman-src:1']);
  }, 300_000);

  afterAll(async () => {
    await registry?.stop();
    untrust?.();
  });

  const envFor = (machine: string, password: string) =>
    devpodEnv(machine, {
      NOMAD_ADDR: agent.address,
      NOMAD_DRIVER: 'podman',
      NOMAD_IMAGE: image,
      NOMAD_REGISTRY_AUTH: 'job',
      NOMAD_REGISTRY_USERNAME: registry.username,
      NOMAD_REGISTRY_PASSWORD: password,
    });

  it('pulls the image with the password from the Nomad Variable; the job carries none', async () => {
    const machine = uniqueId('pdm-auth');
    const env = envFor(machine, registry.password);
    try {
      const r = await cli(['create'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(podman.podman(['images', '--format', 'json'])).flatMap((i: { Names?: string[] }) => i.Names ?? [])).toContain(image);
      const job = (await nomad.jobs.read(jobIdFor(machine))).data!;
      expect(JSON.stringify(job)).not.toContain(registry.password);
      expect(job.TaskGroups![0]!.Tasks[0]!.Config!.auth).toEqual({ username: registry.username, password: '${DEVPOD_REGISTRY_PASSWORD}' });
      expect((await nomad.variables.read(registryVariablePath(jobIdFor(machine)))).data?.Items).toEqual({ registry_password: registry.password });
      expect((await cli(['command'], { ...env, COMMAND: 'echo pulled' })).stdout.toString()).toBe('pulled\n');
    } finally {
      await cli(['delete'], env);
    }
  }, 180_000);

  it("a wrong password fails create with the registry's refusal, and the job is stopped", async () => {
    podman.podman(['rmi', '--force', image]);
    const machine = uniqueId('pdm-badauth');
    const env = envFor(machine, 'not-the-password');
    try {
      const r = await cli(['create'], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/cannot run: .*(unauthorized|authentication required)/i);
      expect((await nomad.jobs.read(jobIdFor(machine))).data!.Stop).toBe(true);
    } finally {
      await cli(['delete'], env);
    }
  }, 180_000);
});
