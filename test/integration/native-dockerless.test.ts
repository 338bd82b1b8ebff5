// Dockerfile and features devcontainers built in the task, natively: DevPod's dockerless builder (loft-sh/dockerless
// v0.2.0, built here from its release source, its image assembled as upstream's Dockerfile does:
// test/helpers/dockerless.ts) runs as the Nomad task, and DevPod's agent, injected through `native command` before
// the task has any /bin/sh, runs kaniko in it over the task's own root filesystem. From each real devpod CLI in turn
// (loft-sh v0.6.15, then the skevetter fork v0.26.1), against a real agent of its own on Nomad's docker driver with
// the harness's Docker engine. Nomad pulls the builder image (DOCKERLESS_IMAGE, the person's option) from the tests'
// private registry with the password the task reads from its Nomad Variable; kaniko in the task pulls the
// Dockerfile's base image from the same registry at the Docker bridge's gateway, its address as seen from the task's
// network (on loopback the task reaches only itself), with the Docker credentials DevPod forwards from this machine,
// and the CA in the builder image. Two devcontainers per CLI: a Dockerfile (FROM the base, a RUN writing a file and
// adding a user, USER), and an image with a local `./feature`. Each: up → ssh sees the RUN's file / the feature's
// command → stop → up builds again and keeps the workspace's files → delete leaves no job, no variable, no Docker volume.
// Over its life: a task restarted in place reports Busy (never Running on the bare builder) until `devpod up`
// builds it again. DOCKERLESS_DISABLED=true ends with DevPod's own error and
// leaves nothing behind.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import type { NomadJob } from '../../src/adapters/nomad/types.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent, workspacesHostVolume } from '../harness/nomad-agent.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { bridgeGateway, pushBaseImage, pushDockerlessImage } from '../helpers/dockerless.js';
import { clientFor } from '../helpers/jobs.js';
import { DEV_USER, devcontainerJobs, dockerfileRepo, featureRepo, nativeOptions, taskOf } from '../helpers/native-builds.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { pathWithoutNode, serveRelease, type ServedRelease } from '../helpers/release.js';

const work = mkdtempSync(join(tmpdir(), 'native-dockerless-'));
const volume = join(work, 'volume');
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
let agent: NomadAgent;
let nomad: NomadClient;
let registry: PrivateRegistry;
let served: ServedRelease;
let pathDir: string;
let builder: string;
/** The base image, at the address the task reaches the registry at. */
let base: string;

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  registry = await startPrivateRegistry(join(work, 'registry'), { alsoOn: bridgeGateway(docker) });
  builder = pushDockerlessImage(docker, registry, work);
  base = pushBaseImage(docker, registry, join(work, 'base')).replace(registry.address, registry.alsoAddress!);
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

/** The Docker volumes on the engine whose names start with `dockerless-`. */
const dockerlessVolumes = () =>
  docker(['volume', 'ls', '--format', '{{.Name}}'])
    .split('\n')
    .filter((v) => v.startsWith('dockerless-'));

/** Where, on this machine, the job keeps DevPod's build info (its meta names the path in the task; the volume is /workspaces). */
function stashOf(job: NomadJob): string {
  const inTask = job.Meta?.devcontainer_build_stash;
  expect(inTask).toMatch(/^\/workspaces\/\.devpod-dockerless-/);
  return join(volume, inTask!.slice('/workspaces/'.length));
}

/** Restarts the devcontainer's task in place, as Nomad does after a client restart or `nomad alloc restart`. */
async function restartTask(job: NomadJob): Promise<void> {
  const alloc = (await nomad.jobs.allocations(job.ID!)).data!.find((a) => a.ClientStatus === 'running')!;
  const res = await fetch(`${agent.address}/v1/client/allocation/${alloc.ID}/restart`, {
    method: 'PUT',
    body: JSON.stringify({ TaskName: 'workspace' }),
  });
  expect(res.status).toBe(200);
}

describe.each(DEVPOD_CLIS)('devcontainers built in the task by DevPod (dockerless), from $name', (cli) => {
  const tag = cli.fork ? 'fork' : 'loft';
  const home = join(work, `devpod-home-${tag}`);
  let dp: Devpod;
  const printed: string[] = [];
  const devpod = async (args: string[], timeoutMs?: number) => {
    const r = await dp.run(args, timeoutMs);
    printed.push(r.out);
    return r;
  };
  const up = async (repo: string, extra: string[] = []) => {
    const started = Date.now();
    const r = await devpod(['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug', ...extra], 300_000);
    process.stderr.write(
      `[dockerless ${cli.name}] devpod up ${repo.split('/').pop()} ${extra.join(' ')} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    if (r.code !== 0) process.stderr.write(`[dockerless ${cli.name}] devpod up output:\n${r.out.slice(-8000)}\n`);
    return r;
  };

  beforeAll(async () => {
    mkdirSync(join(home, 'tmp'), { recursive: true });
    dp = devpodCli(
      home,
      240_000,
      { PATH: pathDir, TMPDIR: join(home, 'tmp'), DOCKER_CONFIG: registry.dockerConfigDir, SSL_CERT_FILE: registry.caPath },
      cli,
    );
    const add = await devpod(
      providerAddArgs(`${served.url}/provider-native.yaml`, 'nomadnative', nativeOptions(agent.address, registry, { DOCKERLESS_IMAGE: builder })),
    );
    expect(add.code).toBe(0);
  }, 120_000);

  describe('a Dockerfile devcontainer', () => {
    const ws = `dockerfile-${tag}`;
    const repo = join(work, ws);
    const marker = `built-in-the-task-${ws}`;
    beforeAll(() => dockerfileRepo(repo, base, marker));

    it("devpod up starts DevPod's builder as the Nomad task, and the build runs in it", async () => {
      const r = await up(repo);
      expect(r.code).toBe(0);
      const jobs = await devcontainerJobs(nomad, ws);
      expect(jobs).toHaveLength(1);
      const task = taskOf(jobs[0]!);
      const config = task.Config as Record<string, unknown>;
      // DevPod's dockerless run options, honoured: its image, entrypoint (through the restore of its build info)
      // and command, user root, DOCKERLESS_* in the environment, its labels, the build info volume as a tmpfs.
      expect(config.image).toBe(builder);
      expect(config.entrypoint).toEqual(['/.dockerless/bin/sh']);
      expect((config.args as string[]).slice(3, 6)).toEqual(['/.dockerless/dockerless', 'start', '--wait']);
      expect(task.User).toBe('root');
      expect(task.Env).toMatchObject({ DOCKERLESS: 'true', DOCKERLESS_CONTEXT: `/workspaces/${ws}/.devcontainer`, GODEBUG: 'http2client=0' });
      expect(config.mount).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'tmpfs', target: '/workspaces/.dockerless' })]));
      expect(JSON.stringify(jobs[0])).not.toContain(registry.password);
      expect(readFileSync(join(volume, ws, 'README'), 'utf8')).toBe('from the repository\n');
      // DevPod's build info, kept in the workspace's volume for the builds of later allocations.
      expect(readdirSync(stashOf(jobs[0]!))).toEqual(expect.arrayContaining([expect.stringMatching(/^Dockerfile/)]));
    }, 320_000);

    it("devpod ssh sees the RUN's file and runs as the Dockerfile's USER", async () => {
      const ssh = await devpod(['ssh', ws, '--command', 'cat /built.txt; id -un; echo "$DOCKERLESS"']);
      expect(ssh.code).toBe(0);
      expect(ssh.stdout).toBe(`${marker}\n${DEV_USER.name}\ntrue\n`);
    });

    it('native find reports the labels DevPod set: devpod status says Running', async () => {
      const status = await devpod(['status', ws, '--output', 'json']);
      expect(status.stdout).toMatch(/"state":\s*"Running"/);
    });

    it('keeps the workspace files across devpod stop and devpod up, which builds again', async () => {
      expect((await devpod(['ssh', ws, '--command', `echo kept > /workspaces/${ws}/kept.txt`])).code).toBe(0);
      expect((await devpod(['stop', ws])).code).toBe(0);
      expect((await devcontainerJobs(nomad, ws))[0]!.Stop).toBe(true);
      const again = await up(repo);
      expect(again.code).toBe(0);
      const read = await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt /built.txt`]);
      expect(read.stdout).toBe(`kept\n${marker}\n`);
    }, 400_000);

    it('after a task restart it is Busy, never Running on the bare builder, until devpod up builds it again', async () => {
      const [job] = await devcontainerJobs(nomad, ws);
      await restartTask(job!);
      await expect
        .poll(async () => (await devpod(['status', ws, '--output', 'json'])).stdout, { timeout: 60_000, interval: 2_000 })
        .toMatch(/"state":\s*"Busy"/);
      const again = await up(repo);
      expect(again.code).toBe(0);
      expect((await devpod(['status', ws, '--output', 'json'])).stdout).toMatch(/"state":\s*"Running"/);
      const read = await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt /built.txt`]);
      expect(read.stdout).toBe(`kept\n${marker}\n`);
    }, 400_000);

    // What --recreate does is each CLI's own. The fork (v0.26.1) builds, stops the devcontainer and runs it with
    // the new run options: the new Dockerfile is built. loft-sh v0.6.15, for any driver but Docker, stops it and
    // runs `up` without --recreate (pkg/devcontainer/run.go, recreateCustomDriver), which finds the devcontainer and
    // only starts it: no new run options or build info reach the provider, so the old Dockerfile is built again.
    it(
      cli.fork
        ? 'devpod up --recreate builds the changed Dockerfile, not the old one, and keeps the workspace files'
        : "devpod up --recreate restarts the devcontainer as it was (loft-sh's own --recreate for custom drivers), keeping its files; delete then up builds the change",
      async () => {
        // The RUN now writes other content: DevPod sends new build info, and the stash of the old must not win.
        dockerfileRepo(repo, base, `${marker}-recreated`);
        const again = await up(repo, ['--recreate']);
        expect(again.code).toBe(0);
        const read = await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt /built.txt`]);
        expect(read.stdout).toBe(`kept\n${cli.fork ? `${marker}-recreated` : marker}\n`);
        if (!cli.fork) {
          // loft-sh's way to a changed Dockerfile: delete, then up (a host volume keeps the workspace files).
          expect((await devpod(['delete', ws])).code).toBe(0);
          expect((await up(repo)).code).toBe(0);
          const rebuilt = await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt /built.txt`]);
          expect(rebuilt.stdout).toBe(`kept\n${marker}-recreated\n`);
        }
      },
      cli.fork ? 400_000 : 700_000,
    );

    it('devpod delete leaves no job, no variable and no volume', async () => {
      const [job] = await devcontainerJobs(nomad, ws);
      expect((await devpod(['delete', ws])).code).toBe(0);
      expect(await devcontainerJobs(nomad, ws)).toEqual([]);
      expect((await nomad.variables.read(registryVariablePath(job!.ID!))).data).toBeUndefined();
      expect(dockerlessVolumes()).toEqual([]);
    });
  });

  describe('a devcontainer with a local feature', () => {
    const ws = `feature-${tag}`;
    const repo = join(work, ws);
    beforeAll(() => featureRepo(repo, base, ws));

    it("devpod up builds the feature in the task, and devpod ssh runs the feature's command", async () => {
      const r = await up(repo);
      expect(r.code).toBe(0);
      expect(taskOf((await devcontainerJobs(nomad, ws))[0]!).Config!.image).toBe(builder);
      const ssh = await devpod(['ssh', ws, '--command', 'hello']);
      expect(ssh.code).toBe(0);
      expect(ssh.stdout).toBe(`${ws}\n`);
    }, 320_000);

    it('keeps the workspace files across devpod stop and devpod up, with the feature built again', async () => {
      expect((await devpod(['ssh', ws, '--command', `echo kept > /workspaces/${ws}/kept.txt`])).code).toBe(0);
      expect((await devpod(['stop', ws])).code).toBe(0);
      const again = await up(repo);
      expect(again.code).toBe(0);
      const read = await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt; hello`]);
      expect(read.stdout).toBe(`kept\n${ws}\n`);
    }, 400_000);

    it('devpod delete leaves no job, no variable and no volume', async () => {
      const [job] = await devcontainerJobs(nomad, ws);
      expect((await devpod(['delete', ws])).code).toBe(0);
      expect(await devcontainerJobs(nomad, ws)).toEqual([]);
      expect((await nomad.variables.read(registryVariablePath(job!.ID!))).data).toBeUndefined();
      expect(dockerlessVolumes()).toEqual([]);
    });
  });

  it("with DOCKERLESS_DISABLED=true, devpod up ends with DevPod's own error and leaves nothing behind", async () => {
    const ws = `disabled-${tag}`;
    const repo = dockerfileRepo(join(work, ws), base, ws);
    expect((await devpod(['provider', 'set-options', 'nomadnative', '-o', 'DOCKERLESS_DISABLED=true'])).code).toBe(0);
    try {
      const r = await up(repo);
      expect(r.code).not.toBe(0);
      expect(r.out).toContain('cannot build devcontainer because driver is non-docker and dockerless fallback is disabled');
      expect(await devcontainerJobs(nomad, ws)).toEqual([]);
      expect(existsSync(join(volume, ws))).toBe(false);
    } finally {
      expect((await devpod(['provider', 'set-options', 'nomadnative', '-o', 'DOCKERLESS_DISABLED=false'])).code).toBe(0);
      await devpod(['delete', ws, '--force']);
    }
  }, 320_000);

  it('the registry password is in nothing DevPod printed', () => {
    expect(printed.join('\n')).not.toContain(registry.password);
  });
});
