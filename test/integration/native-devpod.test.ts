// `devpod up` with the native provider (custom driver: the devcontainer is the Nomad task) against a real agent of
// its own on Nomad's docker driver, with the harness's real Docker engine (Debian's docker.io): the devcontainer is
// a real container, its image pushed to a registry on loopback (DevPod reads the image's metadata from there), the
// workspace on a Nomad host volume. Proves up → devpod ssh runs in the task → a file survives stop and up again →
// delete leaves no job. The provider is the released linux-amd64 executable, which DevPod downloads from the release
// served on loopback HTTP when `up` first needs it, and runs with a PATH that has no `node` on it.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { freePort, startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { ensureDebianPackages } from '../helpers/debian.js';
import { devpodCli, type Devpod } from '../helpers/devpod.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor } from '../helpers/jobs.js';
import { dirsWithNode, isElf, listedBinaries, pathWithoutNode, serveRelease, sha256File, type ServedRelease } from '../helpers/release.js';

const EXECUTABLE = 'devpod-provider-nomad-linux-amd64';
const work = mkdtempSync(join(tmpdir(), 'native-up-'));
const volume = join(work, 'volume');
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
let agent: NomadAgent;
let nomad: NomadClient;
let registry: ReturnType<typeof spawn> | undefined;
let served: ServedRelease;
let pathDir: string;
let dp: Devpod;
let image: string;
const home = join(work, 'devpod-home');

const devpod = (args: string[], timeoutMs?: number) => dp.run(args, timeoutMs);

beforeAll(async () => {
  ensureDebianPackages(['docker-registry']);
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  // TMPDIR: DevPod caches downloaded binaries in $TMPDIR/devpod-binaries; a fresh one makes it download.
  mkdirSync(join(home, 'tmp'), { recursive: true });
  dp = devpodCli(home, 240_000, { PATH: pathDir, TMPDIR: join(home, 'tmp') });

  // A tiny image (busybox), pushed to a registry on loopback (Docker trusts 127.0.0.0/8 over plain HTTP).
  const regPort = await freePort();
  writeFileSync(join(work, 'registry.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${work}/registry\nhttp:\n  addr: 127.0.0.1:${regPort}\n`);
  registry = spawn('docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try { await fetch(`http://127.0.0.1:${regPort}/v2/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  image = `127.0.0.1:${regPort}/native:latest`;
  importImage(docker, busyboxRootfs(work), image);
  docker(['push', image]);
  docker(['rmi', image]);

  // The repository DevPod brings up.
  const repo = join(work, 'repo');
  mkdirSync(join(repo, '.devcontainer'), { recursive: true });
  writeFileSync(join(repo, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name: 'native', image }));
  writeFileSync(join(repo, 'README'), 'from the repository\n');

  mkdirSync(volume);
  chmodSync(volume, 0o777);
  agent = await startNomadAgent({
    dockerEndpoint: endpoint,
    clientConfig: `  host_volume "devpod-workspaces" {\n    path = "${volume}"\n    read_only = false\n  }\n`,
  });
  nomad = clientFor(agent.address);
}, 900_000);

afterAll(async () => {
  registry?.kill();
  await served?.close();
  if (pathDir) rmSync(pathDir, { recursive: true, force: true });
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Every file called `name` under `dir`. */
const findFiles = (dir: string, name: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name === name)
    .map((e) => join(e.parentPath, e.name));

const devcontainerJobs = async () => (await nomad.jobs.list('devpod-dc-')).data;

describe('devpod up with the native provider', () => {
  it('gives DevPod a PATH on which there is no node', () => {
    expect(dirsWithNode(pathDir)).toEqual([]);
    expect(() => execFileSync('sh', ['-c', 'command -v node'], { env: { PATH: pathDir }, stdio: 'pipe' })).toThrow();
  });

  it('adds the provider from its URL, and devpod up runs the devcontainer as the Nomad task', async () => {
    const add = await devpod(['provider', 'add', `${served.url}/provider-native.yaml`, '--name', 'nomad-native',
      '-o', `NOMAD_ADDR=${agent.address}`, '-o', 'NOMAD_DRIVER=docker', '-o', 'NOMAD_MEMORYMB=512',
      '-o', 'NOMAD_VOLUME_TYPE=host', '-o', 'NOMAD_VOLUME_SOURCE=devpod-workspaces', '-o', 'NOMAD_VOLUME_MOUNT=/workspaces']);
    expect(add.code).toBe(0);
    const started = Date.now();
    const up = await devpod(['up', join(work, 'repo'), '--provider', 'nomad-native', '--ide', 'none', '--debug'], 150_000);
    process.stderr.write(`[native] devpod up took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (up.code !== 0) process.stderr.write(`[native] devpod up output:\n${up.out.slice(-4000)}\n`);
    expect(up.out).toMatch(/running on node/);
    expect(up.code).toBe(0);
    const jobs = await devcontainerJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.Status).toBe('running');
    expect(readFileSync(join(volume, 'repo', 'README'), 'utf8')).toBe('from the repository\n');
    // The custom driver ran the served executable: DevPod downloaded it and installed it byte for byte.
    expect(served.requests).toEqual(expect.arrayContaining(['/provider-native.yaml', `/${EXECUTABLE}`]));
    const [listed] = listedBinaries(join(served.dir, 'provider-native.yaml'));
    expect(listed).toMatchObject({ os: 'linux', arch: 'amd64', path: `${served.url}/${EXECUTABLE}` });
    const installed = findFiles(home, EXECUTABLE);
    expect(installed.length).toBeGreaterThan(0);
    for (const file of installed) {
      expect(await sha256File(file)).toBe(listed!.checksum);
      expect(isElf(file)).toBe(true);
    }
  }, 180_000);

  it('devpod ssh runs inside the workspace task: the devcontainer is the Nomad task', async () => {
    const ssh = await devpod(['ssh', 'repo', '--command', 'cat /proc/1/cmdline; echo ok']);
    expect(ssh.code).toBe(0);
    process.stderr.write(`[native] devpod ssh printed ${JSON.stringify(ssh.stdout)}\n`);
    expect(ssh.stdout).toMatch(/ok\n$/);
    // PID 1 is the devcontainer's own entrypoint (DevPod's keep-alive shell), in the container Nomad runs for the job.
    const [job] = await devcontainerJobs();
    const alloc = (await nomad.jobs.allocations(job!.ID)).data!.find((a) => a.ClientStatus === 'running')!;
    const inspected = JSON.parse(docker(['inspect', `workspace-${alloc.ID}`]))[0] as { Path: string; Args: string[]; State: { Running: boolean } };
    expect(inspected.State.Running).toBe(true);
    expect(ssh.stdout.replace(/ok\n$/, '').split('\0').filter(Boolean)).toEqual([inspected.Path, ...inspected.Args]);
  });

  it('keeps a file written in the devcontainer across devpod stop and devpod up', async () => {
    expect((await devpod(['ssh', 'repo', '--command', 'echo kept > /workspaces/repo/kept.txt'])).code).toBe(0);
    expect((await devpod(['stop', 'repo'])).code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(true);
    expect((await devpod(['up', join(work, 'repo'), '--provider', 'nomad-native', '--ide', 'none'])).code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(false);
    const read = await devpod(['ssh', 'repo', '--command', 'cat /workspaces/repo/kept.txt']);
    expect(read.stdout).toBe('kept\n');
  });

  it('devpod delete leaves no job behind', async () => {
    expect((await devpod(['delete', 'repo'])).code).toBe(0);
    expect(await devcontainerJobs()).toEqual([]);
  });
});
