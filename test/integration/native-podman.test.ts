// `devpod up` with the native provider on nomad-driver-podman v0.4.1, from each real devpod CLI in turn (loft-sh
// v0.6.15, then the skevetter fork v0.26.1): the devcontainer is a real podman container (the harness's Podman,
// test/harness/podman-service.ts), its image pulled from the TLS registry on loopback with the password the task
// reads from its Nomad Variable, the workspace on a Nomad host volume. DevPod injects its agent through the
// provider's `command` with stdin it ends — the stdin end that podman's exec loses and the provider's framed stdin
// passes on. Proves up → devpod ssh runs in the task → a file survives stop and up again → delete leaves no job and
// no variable. The provider is the released linux-amd64 executable, downloaded by DevPod from a release served on
// loopback, run with a PATH that has no `node` on it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent, workspacesHostVolume } from '../harness/nomad-agent.js';
import { startPodmanService, trustRegistryCa, type PodmanService } from '../harness/podman-service.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor } from '../helpers/jobs.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { pathWithoutNode, serveRelease, type ServedRelease } from '../helpers/release.js';

const work = mkdtempSync(join(tmpdir(), 'native-podman-'));
const volume = join(work, 'volume');
let podman: PodmanService;
let agent: NomadAgent;
let nomad: NomadClient;
let registry: PrivateRegistry;
let untrust: (() => void) | undefined;
let served: ServedRelease;
let pathDir: string;
let image: string;

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  registry = await startPrivateRegistry(join(work, 'registry'));
  untrust = trustRegistryCa(registry.address, registry.caPath);
  const docker = dockerCli(inject('dockerEndpoint'));
  importImage(docker, busyboxRootfs(work), 'devpod-test/native-podman-src:latest');
  image = registry.push(docker, 'devpod-test/native-podman-src:latest', 'native-podman:latest');
  docker(['rmi', 'devpod-test/native-podman-src:latest']);
  podman = await startPodmanService();
  agent = await startNomadAgent({
    extraConfig: podman.agentConfig,
    drivers: ['podman'],
    clientConfig: workspacesHostVolume(volume),
  });
  nomad = clientFor(agent.address);
}, 900_000);

afterAll(async () => {
  await agent?.stop();
  await podman?.stop();
  untrust?.();
  await registry?.stop();
  await served?.close();
  if (pathDir) rmSync(pathDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe.each(DEVPOD_CLIS)('devpod up with the native provider on podman, from $name', (cli) => {
  const ws = `native-podman-${cli.fork ? 'fork' : 'loft'}`;
  const repo = join(work, ws);
  const home = join(work, `devpod-home-${ws}`);
  let dp: Devpod;
  const printed: string[] = [];
  const devpod = async (args: string[], timeoutMs?: number) => {
    const r = await dp.run(args, timeoutMs);
    printed.push(r.out);
    return r;
  };
  const devcontainerJobs = async () => {
    const jobs = (await nomad.jobs.list('devpod-dc-')).data;
    const metas = await Promise.all(jobs.map(async (j) => (await nomad.jobs.read(j.ID)).data?.Meta?.devpod_workspace_id));
    return jobs.filter((_, i) => metas[i] === ws);
  };

  beforeAll(() => {
    mkdirSync(join(repo, '.devcontainer'), { recursive: true });
    writeFileSync(join(repo, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name: 'native-podman', image }));
    writeFileSync(join(repo, 'README'), 'from the repository\n');
    // As in native-devpod.test.ts: DevPod reads the image's metadata from the registry itself, with a Docker config
    // and the CA for Go's TLS, as a user's machine has them.
    mkdirSync(join(home, 'tmp'), { recursive: true });
    dp = devpodCli(
      home,
      240_000,
      { PATH: pathDir, TMPDIR: join(home, 'tmp'), DOCKER_CONFIG: registry.dockerConfigDir, SSL_CERT_FILE: registry.caPath },
      cli,
    );
    // Podman may hold the image from the other CLI's run: Nomad has to pull it again, with the password.
    try {
      podman.podman(['rmi', '--force', image]);
    } catch {
      // not pulled yet
    }
  }, 900_000);

  it('adds the provider from its URL, and devpod up runs the devcontainer as a podman task', async () => {
    const add = await devpod(
      providerAddArgs(`${served.url}/provider-native.yaml`, 'nomadnative', {
        NOMAD_ADDR: agent.address,
        NOMAD_DRIVER: 'podman',
        NOMAD_MEMORYMB: '512',
        NOMAD_VOLUME_TYPE: 'host',
        NOMAD_VOLUME_SOURCE: 'devpod-workspaces',
        NOMAD_VOLUME_MOUNT: '/workspaces',
        NOMAD_REGISTRY_AUTH: 'job',
        NOMAD_REGISTRY_USERNAME: registry.username,
        NOMAD_REGISTRY_PASSWORD: registry.password,
      }),
    );
    expect(add.code).toBe(0);
    const started = Date.now();
    const up = await devpod(['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug'], 150_000);
    process.stderr.write(`[native-podman ${cli.name}] devpod up took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (up.code !== 0) process.stderr.write(`[native-podman ${cli.name}] devpod up output:\n${up.out.slice(-4000)}\n`);
    expect(up.code).toBe(0);
    const jobs = await devcontainerJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.Status).toBe('running');
    const kept = (await nomad.jobs.read(jobs[0]!.ID)).data!;
    expect(kept.TaskGroups![0]!.Tasks[0]!.Driver).toBe('podman');
    expect(JSON.stringify(kept)).not.toContain(registry.password);
    expect(JSON.parse(podman.podman(['images', '--format', 'json'])).flatMap((i: { Names?: string[] }) => i.Names ?? [])).toContain(image);
    expect(readFileSync(join(volume, ws, 'README'), 'utf8')).toBe('from the repository\n');
  }, 180_000);

  it('devpod ssh runs inside the podman container', async () => {
    const ssh = await devpod(['ssh', ws, '--command', 'cat /run/.containerenv >/dev/null && echo in-podman']);
    expect(ssh.code).toBe(0);
    expect(ssh.stdout).toMatch(/in-podman\n$/);
  });

  it('keeps a file written in the devcontainer across devpod stop and devpod up', async () => {
    expect((await devpod(['ssh', ws, '--command', `echo kept > /workspaces/${ws}/kept.txt`])).code).toBe(0);
    expect((await devpod(['stop', ws])).code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(true);
    const up = await devpod(['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug']);
    if (up.code !== 0) process.stderr.write(`[native-podman ${cli.name}] devpod up (again) output:\n${up.out.slice(-6000)}\n`);
    expect(up.code).toBe(0);
    expect((await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt`])).stdout).toBe('kept\n');
  }, 180_000);

  it('devpod delete leaves no job behind, and no variable; the password is in nothing DevPod printed', async () => {
    const [job] = await devcontainerJobs();
    expect((await devpod(['delete', ws])).code).toBe(0);
    expect(await devcontainerJobs()).toEqual([]);
    expect((await nomad.variables.read(registryVariablePath(job!.ID))).data).toBeUndefined();
    expect(printed.join('\n')).not.toContain(registry.password);
    expect(execFileSync('sh', ['-c', 'command -v node || true'], { env: { PATH: pathDir }, encoding: 'utf8' })).toBe('');
  });
});
