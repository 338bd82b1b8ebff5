// The prebuild route, natively: a team's CI builds the devcontainer once with DevPod's docker provider and pushes it
// (`devpod build --provider docker --repository REG/REPO`: DevPod tags it `devpod-<hash>` of the architecture,
// config, features, Dockerfile and context), and every `devpod up --prebuild-repository REG/REPO` with the native
// provider then runs that image as the Nomad task, with no build in the task (no dockerless builder). From each real
// devpod CLI in turn (loft-sh v0.6.15, then the skevetter fork v0.26.1): the CI side with a DEVPOD_HOME of its own
// and the harness's Docker engine; the developer side with another, against a real agent of its own on Nomad's docker
// driver. The registry is the tests' private one on loopback (TLS with a CA made by the test, a password): DevPod
// finds the prebuilt image there with the CA and the Docker config a user's machine has, and Nomad pulls it with the
// password the task reads from its Nomad Variable (NOMAD_REGISTRY_AUTH=job), as for any image. CI pushes through the
// registry's plain-HTTP door on loopback (test/helpers/registry.ts says why: Docker 20.10's builder). No features
// here: DevPod's docker provider builds them with `# syntax=docker.io/docker/dockerfile:1.4`, a BuildKit frontend
// image from Docker Hub, which an offline run cannot pull (`lookup registry-1.docker.io: no such host`, tried once);
// the dockerless route builds a local feature (native-dockerless.test.ts). Proves: the image DevPod runs is the prebuilt one, the RUN's
// file and the feature's command are there, stop and up keep the workspace's files, delete leaves no job and no
// variable, and the password is in nothing DevPod printed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent, workspacesHostVolume } from '../harness/nomad-agent.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { pushBaseImage } from '../helpers/dockerless.js';
import { clientFor } from '../helpers/jobs.js';
import { DEV_USER, devcontainerJobs, dockerfileRepo, nativeOptions, taskOf } from '../helpers/native-builds.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { pathWithoutNode, serveRelease, type ServedRelease } from '../helpers/release.js';

const work = mkdtempSync(join(tmpdir(), 'native-prebuild-'));
const volume = join(work, 'volume');
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
let agent: NomadAgent;
let nomad: NomadClient;
let registry: PrivateRegistry;
let served: ServedRelease;
let pathDir: string;
/** The base image, as CI's builder reaches it (the plain door). */
let base: string;

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  registry = await startPrivateRegistry(join(work, 'registry'), { plainDoor: true });
  base = pushBaseImage(docker, registry, join(work, 'base')).replace(registry.address, registry.plainAddress!);
  agent = await startNomadAgent({
    dockerEndpoint: endpoint,
    clientConfig: workspacesHostVolume(volume),
  });
  nomad = clientFor(agent.address);
}, 900_000);

afterAll(async () => {
  await registry?.stop();
  await served?.close();
  if (pathDir) rmSync(pathDir, { recursive: true, force: true });
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.each(DEVPOD_CLIS)('the prebuild route with the native provider, from $name', (cli) => {
  const ws = `prebuild-${cli.fork ? 'fork' : 'loft'}`;
  const marker = `prebuilt-by-${ws}`;
  const repo = join(work, ws);
  /** The prebuild repository: CI pushes through the plain door, the developer's DevPod and Nomad use TLS. */
  const pushTo = () => `${registry.plainAddress}/prebuilds`;
  const pullFrom = () => `${registry.address}/prebuilds`;
  let ci: Devpod;
  let dev: Devpod;
  const printed: string[] = [];
  const devpod = async (d: Devpod, args: string[], timeoutMs?: number) => {
    const r = await d.run(args, timeoutMs);
    printed.push(r.out);
    return r;
  };
  const up = (extra: string[] = []) =>
    devpod(dev, ['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug', '--prebuild-repository', pullFrom(), ...extra], 240_000);

  beforeAll(() => {
    dockerfileRepo(repo, base, marker);
    const env = (home: string) => {
      mkdirSync(join(home, 'tmp'), { recursive: true });
      return { TMPDIR: join(home, 'tmp'), DOCKER_CONFIG: registry.dockerConfigDir, SSL_CERT_FILE: registry.caPath };
    };
    // CI: its own DEVPOD_HOME, the Docker engine, the registry's credentials.
    ci = devpodCli(join(work, `ci-home-${ws}`), 300_000, { ...env(join(work, `ci-home-${ws}`)), DOCKER_HOST: endpoint }, cli);
    // A developer's machine: no node on PATH, the provider downloaded from the release.
    dev = devpodCli(join(work, `dev-home-${ws}`), 240_000, { ...env(join(work, `dev-home-${ws}`)), PATH: pathDir }, cli);
  });

  it('CI builds the devcontainer with the docker provider and pushes it to the prebuild repository', async () => {
    expect((await devpod(ci, ['provider', 'add', 'docker', '-o', `DOCKER_HOST=${endpoint}`])).code).toBe(0);
    const started = Date.now();
    const build = await devpod(ci, ['build', repo, '--provider', 'docker', '--repository', pushTo()], 300_000);
    process.stderr.write(`[prebuild ${cli.name}] devpod build took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (build.code !== 0) process.stderr.write(`[prebuild ${cli.name}] devpod build output:\n${build.out.slice(-4000)}\n`);
    expect(build.code).toBe(0);
    const tags = JSON.parse((await registry.get('/v2/prebuilds/tags/list')).body) as { tags: string[] };
    expect(tags.tags).toEqual(expect.arrayContaining([expect.stringMatching(/^devpod-[0-9a-f]{32}$/)]));
  }, 320_000);

  it('devpod up --prebuild-repository runs the prebuilt image as the Nomad task, with no build in it', async () => {
    const add = await devpod(dev, providerAddArgs(`${served.url}/provider-native.yaml`, 'nomadnative', nativeOptions(agent.address, registry)));
    expect(add.code).toBe(0);
    const started = Date.now();
    const r = await up();
    process.stderr.write(`[prebuild ${cli.name}] devpod up --prebuild-repository took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (r.code !== 0) process.stderr.write(`[prebuild ${cli.name}] devpod up output:\n${r.out.slice(-6000)}\n`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Found existing prebuilt image/i);
    const jobs = await devcontainerJobs(nomad, ws);
    expect(jobs).toHaveLength(1);
    const task = taskOf(jobs[0]!);
    // The prebuilt image itself, pulled by Nomad with the password from the job's variable; no dockerless builder.
    expect(task.Config!.image).toMatch(new RegExp(`^${pullFrom().replace(/\./g, '\\.')}:devpod-[0-9a-f]{32}$`));
    expect(JSON.stringify(jobs[0])).not.toMatch(/dockerless/i);
    expect(task.Env ?? {}).not.toHaveProperty('DOCKERLESS');
    expect(task.Config!.auth).toEqual([{ username: registry.username, password: '${DEVPOD_REGISTRY_PASSWORD}', server_address: registry.address }]);
    expect(JSON.stringify(jobs[0])).not.toContain(registry.password);
    expect(readFileSync(join(volume, ws, 'README'), 'utf8')).toBe('from the repository\n');
  }, 260_000);

  it("devpod ssh sees the Dockerfile's RUN file and runs as the Dockerfile's USER", async () => {
    const ssh = await devpod(dev, ['ssh', ws, '--command', 'cat /built.txt; id -un']);
    expect(ssh.code).toBe(0);
    expect(ssh.stdout).toBe(`${marker}\n${DEV_USER.name}\n`);
  });

  it('keeps a file written in the devcontainer across devpod stop and devpod up', async () => {
    expect((await devpod(dev, ['ssh', ws, '--command', `echo kept > /workspaces/${ws}/kept.txt`])).code).toBe(0);
    expect((await devpod(dev, ['stop', ws])).code).toBe(0);
    expect((await devcontainerJobs(nomad, ws))[0]!.Stop).toBe(true);
    const again = await up();
    if (again.code !== 0) process.stderr.write(`[prebuild ${cli.name}] devpod up (again) output:\n${again.out.slice(-6000)}\n`);
    expect(again.code).toBe(0);
    const read = await devpod(dev, ['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt /built.txt`]);
    expect(read.stdout).toBe(`kept\n${marker}\n`);
  }, 300_000);

  it('devpod delete leaves no job and no variable; the password is in nothing DevPod printed', async () => {
    const [job] = await devcontainerJobs(nomad, ws);
    expect((await devpod(dev, ['delete', ws])).code).toBe(0);
    expect(await devcontainerJobs(nomad, ws)).toEqual([]);
    expect((await nomad.variables.read(registryVariablePath(job!.ID!))).data).toBeUndefined();
    expect(printed.join('\n')).not.toContain(registry.password);
  });
});
