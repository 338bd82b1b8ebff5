// `devpod up` with the native provider (custom driver: the devcontainer is the Nomad task) against a real agent of
// its own: Nomad's exec driver (chroot isolation, no container engine on these machines; the image is pulled only
// for its metadata, from a loopback registry holding an image made with umoci), the workspace on a Nomad host
// volume. Proves up → files on the volume → stop → up again with the files → delete leaves no job.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { freePort, startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli } from '../helpers/cli.js';
import { devpodCli, type Devpod } from '../helpers/devpod.js';
import { clientFor } from '../helpers/jobs.js';

const root = resolve(import.meta.dirname, '..', '..');
const PACKAGES = ['docker-registry', 'skopeo', 'umoci', 'busybox-static'];
const work = mkdtempSync(join(tmpdir(), 'native-up-'));
const volume = join(work, 'volume');
let agent: NomadAgent;
let nomad: NomadClient;
let registry: ReturnType<typeof import('node:child_process').spawn> | undefined;
let files: Server;
let dp: Devpod;
const home = join(work, 'devpod-home');

const sh = (cmd: string, cwd = work) => execFileSync('sh', ['-c', cmd], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const devpod = (args: string[], timeoutMs?: number) => dp.run(args, timeoutMs);

beforeAll(async () => {
  // Debian's packages for the image and its registry; installed here when the machine lacks them.
  if (PACKAGES.some((p) => { try { sh(`dpkg -s ${p}`); return false; } catch { return true; } })) {
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PACKAGES.join(' ')}`], { stdio: 'inherit' });
  }
  dp = devpodCli(home, 240_000);

  // A tiny image (busybox) in an OCI layout, served by a registry on loopback.
  sh('umoci init --layout oci && umoci new --image oci:native && umoci unpack --image oci:native bundle');
  mkdirSync(join(work, 'bundle/rootfs/bin'), { recursive: true });
  sh('cp /bin/busybox bundle/rootfs/bin/busybox && ln -s busybox bundle/rootfs/bin/sh && umoci repack --image oci:native bundle && umoci config --image oci:native --config.cmd /bin/sh --config.user nobody');
  const regPort = await freePort();
  writeFileSync(join(work, 'registry.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${work}/registry\nhttp:\n  addr: 127.0.0.1:${regPort}\n`);
  registry = (await import('node:child_process')).spawn('docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try { sh(`curl -sf http://127.0.0.1:${regPort}/v2/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  sh(`skopeo copy --dest-tls-verify=false oci:oci:native docker://127.0.0.1:${regPort}/native:latest`);

  // The repository DevPod brings up.
  const repo = join(work, 'repo');
  mkdirSync(join(repo, '.devcontainer'), { recursive: true });
  writeFileSync(join(repo, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name: 'native', image: `127.0.0.1:${regPort}/native:latest`, remoteUser: 'nobody', containerUser: 'nobody' }));
  writeFileSync(join(repo, 'README'), 'from the repository\n');

  // The released provider, served over HTTP as a real release would be.
  const dist = join(work, 'release');
  files = createServer((req, res) => {
    try { res.end(readFileSync(join(dist, (req.url ?? '/').slice(1)))); } catch { res.writeHead(404).end(); }
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
  execFileSync(process.execPath, [join(root, 'scripts', 'release.mjs')], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, RELEASE_DIR: dist, RELEASE_BASE_URL: `http://127.0.0.1:${(files.address() as { port: number }).port}` },
  });

  mkdirSync(volume);
  chmodSync(volume, 0o777);
  agent = await startNomadAgent({
    clientConfig: `  host_volume "devpod-workspaces" {\n    path = "${volume}"\n    read_only = false\n  }\n`,
  });
  nomad = clientFor(agent.address);
}, 900_000);

afterAll(async () => {
  registry?.kill();
  files?.close();
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

const devcontainerJobs = async () => (await nomad.jobs.list('devpod-dc-')).data;

describe('devpod up with the native provider', () => {
  it('adds the provider, and devpod up runs the devcontainer as the Nomad task', async () => {
    const add = await devpod(['provider', 'add', join(work, 'release', 'provider-native.yaml'), '--name', 'nomad-native',
      '-o', `NOMAD_ADDR=${agent.address}`, '-o', 'NOMAD_DRIVER=exec', '-o', 'NOMAD_MEMORYMB=512',
      '-o', 'NOMAD_VOLUME_TYPE=host', '-o', 'NOMAD_VOLUME_SOURCE=devpod-workspaces', '-o', 'NOMAD_VOLUME_MOUNT=/workspaces']);
    expect(add.code).toBe(0);
    const started = Date.now();
    const up = await devpod(['up', join(work, 'repo'), '--provider', 'nomad-native', '--ide', 'none']);
    process.stderr.write(`[native] devpod up took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(up.out).toMatch(/running on node/);
    expect(up.code).toBe(0);
    const jobs = await devcontainerJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.Status).toBe('running');
    expect(readFileSync(join(volume, 'repo', 'README'), 'utf8')).toBe('from the repository\n');
  });

  it('keeps a file written in the devcontainer across devpod stop and devpod up', async () => {
    const [job] = await devcontainerJobs();
    const id = job!.ID;
    const dcId = ((await nomad.jobs.read(id)).data!.Meta as Record<string, string>)['devpod.machine-id']!.replace(/^dc-/, '');
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'exec', DEVCONTAINER_ID: dcId };
    const write = await cli(['native', 'command'], { ...env, DEVCONTAINER_COMMAND: 'echo kept > /workspaces/repo/kept.txt; cat /proc/1/cmdline | tr "\\0" " "' });
    expect(write.code).toBe(0);
    expect(write.stdout.toString()).toMatch(/\/bin\/sh/);

    expect((await devpod(['stop', 'repo'])).code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(true);
    expect((await devpod(['up', join(work, 'repo'), '--provider', 'nomad-native', '--ide', 'none'])).code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(false);
    const read = await cli(['native', 'command'], { ...env, DEVCONTAINER_COMMAND: 'cat /workspaces/repo/kept.txt' });
    expect(read.stdout.toString()).toBe('kept\n');
  });

  it('devpod delete leaves no job behind', async () => {
    expect((await devpod(['delete', 'repo'])).code).toBe(0);
    expect(await devcontainerJobs()).toEqual([]);
  });
});
