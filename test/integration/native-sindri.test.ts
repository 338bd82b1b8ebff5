// The devcontainers Sindri generates (seed 002, "What Gets Generated" and "Add DevContainer Features"), natively:
// the devcontainer is the Nomad task, from each real devpod CLI in turn (loft-sh v0.6.15, then the skevetter fork
// v0.26.1), against a real agent of its own on Nomad's docker driver with the harness's Docker engine, the provider
// being the released linux-amd64 executable. Sindri's devcontainer.json as it writes it — remoteUser `developer`,
// containerEnv overriding HOME, a named volume `dev_home` at that home, forwardPorts with portsAttributes,
// customizations — over a Sindri-like image made here (busybox with the user and its home under /alt/home), in the
// tests' private TLS registry. Two workspaces per CLI:
// - the image as generated: up → ssh runs as developer with Sindri's HOME, which is the volume's folder in the
//   workspace's Nomad volume → a server on a forwardPorts port answers at its Nomad service → the home keeps a file
//   across stop/up and --recreate → delete leaves no job, no variable and no Docker volume;
// - a Dockerfile variant with a `features` entry (a local ./feature: offline, DevPod fetches others itself), built in
//   the task by DevPod's dockerless builder: ssh sees the RUN's file and the feature's command, its home is its own
//   folder (not the other workspace's `dev_home`), kept across stop/up, which builds again.
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import type { NomadJob } from '../../src/adapters/nomad/types.js';
import { LINK_SCRIPT } from '../../src/native/named-volumes.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent, workspacesHostVolume } from '../harness/nomad-agent.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { bridgeGateway, pushBaseImage, pushDockerlessImage } from '../helpers/dockerless.js';
import { clientFor } from '../helpers/jobs.js';
import { devcontainerJobs, localFeature, nativeOptions, taskOf } from '../helpers/native-builds.js';
import { eventually, httpGet, serviceAddresses } from '../helpers/ports.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { pathWithoutNode, serveRelease, type ServedRelease } from '../helpers/release.js';

const work = mkdtempSync(join(tmpdir(), 'native-sindri-'));
const volume = join(work, 'volume');
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
/** Sindri's user and home (its devcontainer.json's remoteUser and containerEnv HOME). */
const USER = { name: 'developer', uid: 1000 };
const HOME = '/alt/home/developer';
const PROFILE = '# the image’s own .profile\n';
let agent: NomadAgent;
let nomad: NomadClient;
let registry: PrivateRegistry;
let served: ServedRelease;
let pathDir: string;
let builder: string;
/** The Sindri-like image, at the address Nomad pulls from (loopback) and at the one a task reaches (the bridge). */
let image: string;
let imageFromTask: string;

/** Sindri's generated devcontainer.json, with portsAttributes from its "Port Forwarding" section. */
const sindriDevcontainer = (source: Record<string, unknown>) => ({
  name: 'sindri-devpod',
  ...source,
  remoteUser: USER.name,
  containerEnv: { HOME, WORKSPACE: `${HOME}/workspace`, INSTALL_PROFILE: 'fullstack' },
  forwardPorts: [3000, 8080],
  portsAttributes: { 3000: { label: 'Application', onAutoForward: 'notify' }, 8080: { label: 'API', onAutoForward: 'openBrowser' } },
  mounts: ['source=dev_home,target=/alt/home/developer,type=volume'],
  customizations: { vscode: { extensions: ['ms-python.python', 'golang.go', 'rust-lang.rust-analyzer'] } },
});

function writeRepo(repo: string, devcontainer: Record<string, unknown>): string {
  mkdirSync(join(repo, '.devcontainer'), { recursive: true });
  writeFileSync(join(repo, '.devcontainer', 'devcontainer.json'), JSON.stringify(devcontainer, null, 2));
  writeFileSync(join(repo, 'README'), 'from the repository\n');
  return repo;
}

/** The job's published ports as [label, port], from its group meta (`devpod_ports`: label=port,…). */
const publishedPorts = (job: NomadJob) =>
  ((job.TaskGroups![0]!.Meta as Record<string, string> | undefined)?.devpod_ports ?? '').split(',').map((p) => p.split('='));

/** Where, on this machine, a folder of the workspace volume is: the task sees the volume at /workspaces. */
const onHost = (inTask: string) => {
  expect(inTask).toMatch(/^\/workspaces\/\.devpod-volumes\/[^/]+\/dev_home$/);
  return join(volume, inTask.slice('/workspaces/'.length));
};

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  registry = await startPrivateRegistry(join(work, 'registry'), { alsoOn: bridgeGateway(docker) });
  builder = pushDockerlessImage(docker, registry, work);
  // Sindri's image: its user, with a home (and a file in it) away from /home.
  image = pushBaseImage(docker, registry, join(work, 'sindri'), 'sindri:latest', (rootfs) => {
    writeFileSync(
      join(rootfs, 'etc', 'passwd'),
      `${readFileSync(join(rootfs, 'etc', 'passwd'), 'utf8')}${USER.name}:x:${USER.uid}:${USER.uid}::${HOME}:/bin/sh\n`,
    );
    writeFileSync(join(rootfs, 'etc', 'group'), `${readFileSync(join(rootfs, 'etc', 'group'), 'utf8')}${USER.name}:x:${USER.uid}:\n`);
    mkdirSync(join(rootfs, HOME), { recursive: true });
    writeFileSync(join(rootfs, HOME, '.profile'), PROFILE);
    chownSync(join(rootfs, HOME), USER.uid, USER.uid);
    chownSync(join(rootfs, HOME, '.profile'), USER.uid, USER.uid);
  });
  imageFromTask = image.replace(registry.address, registry.alsoAddress!);
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

describe.each(DEVPOD_CLIS)("Sindri's devcontainers natively, from $name", (cli) => {
  const tag = cli.fork ? 'fork' : 'loft';
  const devpodHome = join(work, `devpod-home-${tag}`);
  let dp: Devpod;
  const devpod = (args: string[], timeoutMs?: number) => dp.run(args, timeoutMs);
  const up = async (repo: string, extra: string[] = []) => {
    const started = Date.now();
    const r = await devpod(['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug', ...extra], 300_000);
    process.stderr.write(
      `[sindri ${cli.name}] devpod up ${repo.split('/').pop()} ${extra.join(' ')} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    if (r.code !== 0) process.stderr.write(`[sindri ${cli.name}] devpod up output:\n${r.out.slice(-8000)}\n`);
    return r;
  };
  /** What a login in the workspace sees of its user and home; the home's folder in the workspace volume. */
  const whoAmI = async (ws: string) => {
    const ssh = await devpod(['ssh', ws, '--command', 'id -un; echo "$HOME"; echo "$INSTALL_PROFILE"; readlink "$HOME"']);
    expect(ssh.code).toBe(0);
    const [user, home, profile, link] = ssh.stdout.split('\n');
    return { user, home, profile, link: link ?? '' };
  };
  /** The first home folder this CLI's image workspace got, to tell it from the other workspace's. */
  let imageHome = '';

  beforeAll(async () => {
    mkdirSync(join(devpodHome, 'tmp'), { recursive: true });
    dp = devpodCli(
      devpodHome,
      240_000,
      { PATH: pathDir, TMPDIR: join(devpodHome, 'tmp'), DOCKER_CONFIG: registry.dockerConfigDir, SSL_CERT_FILE: registry.caPath },
      cli,
    );
    const options = nativeOptions(agent.address, registry, { DOCKERLESS_IMAGE: builder, NOMAD_PORTS: 'devcontainer' });
    expect((await devpod(providerAddArgs(`${served.url}/provider-native.yaml`, 'nomadnative', options))).code).toBe(0);
  }, 120_000);

  describe('the devcontainer.json Sindri generates', () => {
    const ws = `sindri-${tag}`;
    const repo = join(work, ws);
    beforeAll(() => writeRepo(repo, sindriDevcontainer({ image })));

    it('devpod up runs it as the Nomad task, its named volume a folder of the workspace volume (no Docker volume)', async () => {
      expect((await up(repo)).code).toBe(0);
      const [job] = await devcontainerJobs(nomad, ws);
      const task = taskOf(job!);
      expect(task.Env).toMatchObject({ HOME, INSTALL_PROFILE: 'fullstack' });
      expect((task.Templates as Array<{ DestPath: string }>).map((t) => t.DestPath)).toContain(`local/${LINK_SCRIPT}`);
      expect(JSON.stringify(task.Config)).not.toContain('dev_home');
      // forwardPorts, published (NOMAD_PORTS=devcontainer).
      expect(publishedPorts(job!).map(([, port]) => port)).toEqual(['3000', '8080']);
    }, 320_000);

    it("devpod ssh runs as remoteUser with Sindri's HOME, which holds the image's files and lives in the workspace volume", async () => {
      const me = await whoAmI(ws);
      expect([me.user, me.home, me.profile]).toEqual([USER.name, HOME, 'fullstack']);
      imageHome = onHost(me.link);
      expect(readFileSync(join(imageHome, '.profile'), 'utf8')).toBe(PROFILE);
      const cat = await devpod(['ssh', ws, '--command', 'cat ~/.profile; stat -c %U ~/.profile']);
      expect(cat.stdout).toBe(`${PROFILE}${USER.name}\n`);
    });

    it('a server on a forwardPorts port answers at its Nomad service', async () => {
      const [job] = await devcontainerJobs(nomad, ws);
      const services = job!.TaskGroups![0]!.Services as Array<{ Name: string; PortLabel: string }>;
      const web = services.find((s) => s.PortLabel === publishedPorts(job!)[0]![0])!;
      const serve = `mkdir -p ~/www && echo "hello from ${ws}" > ~/www/index.html && httpd -p 3000 -h ~/www`;
      expect((await devpod(['ssh', ws, '--command', serve])).code).toBe(0);
      const [address] = await serviceAddresses(nomad, web.Name);
      expect(await eventually(() => httpGet(address!))).toEqual({ status: 200, body: `hello from ${ws}\n` });
    });

    it('the home keeps a file across devpod stop and devpod up', async () => {
      expect((await devpod(['ssh', ws, '--command', 'echo kept > ~/kept.txt'])).code).toBe(0);
      expect((await devpod(['stop', ws])).code).toBe(0);
      expect((await devcontainerJobs(nomad, ws))[0]!.Stop).toBe(true);
      expect((await up(repo)).code).toBe(0);
      const read = await devpod(['ssh', ws, '--command', 'cat ~/kept.txt ~/.profile']);
      expect(read.stdout).toBe(`kept\n${PROFILE}`);
      expect(onHost((await whoAmI(ws)).link)).toBe(imageHome);
    }, 400_000);

    it('the home keeps it across devpod up --recreate', async () => {
      expect((await up(repo, ['--recreate'])).code).toBe(0);
      const read = await devpod(['ssh', ws, '--command', 'cat ~/kept.txt']);
      expect(read.stdout).toBe('kept\n');
    }, 400_000);

    it('devpod delete leaves no job, no variable and no Docker volume', async () => {
      const [job] = await devcontainerJobs(nomad, ws);
      expect((await devpod(['delete', ws])).code).toBe(0);
      expect(await devcontainerJobs(nomad, ws)).toEqual([]);
      expect((await nomad.variables.read(registryVariablePath(job!.ID!))).data).toBeUndefined();
      expect(docker(['volume', 'ls', '-q']).split('\n')).not.toContain('dev_home');
    });
  });

  describe('a Dockerfile variant with a features entry (Sindri\'s "Add DevContainer Features"), built in the task', () => {
    const ws = `sindri-built-${tag}`;
    const repo = join(work, ws);
    const marker = `built-${ws}`;
    beforeAll(() => {
      writeRepo(repo, sindriDevcontainer({ build: { dockerfile: 'Dockerfile' }, features: { './feature': {} } }));
      writeFileSync(join(repo, '.devcontainer', 'Dockerfile'), `FROM ${imageFromTask}\nRUN echo ${marker} > /built.txt\nUSER ${USER.name}\n`);
      localFeature(join(repo, '.devcontainer', 'feature'), marker);
    });

    it("devpod up builds it in the task; ssh sees the RUN's file, the feature's command and its own home folder", async () => {
      expect((await up(repo)).code).toBe(0);
      expect(taskOf((await devcontainerJobs(nomad, ws))[0]!).Config!.image).toBe(builder);
      const ssh = await devpod(['ssh', ws, '--command', 'cat /built.txt; hello; cat ~/.profile']);
      expect([ssh.code, ssh.stdout]).toEqual([0, `${marker}\n${marker}\n${PROFILE}`]);
      const me = await whoAmI(ws);
      expect([me.user, me.home]).toEqual([USER.name, HOME]);
      // Another repository's dev_home: a folder of its own, not the image workspace's (which had kept.txt).
      expect(onHost(me.link)).not.toBe(imageHome);
      expect(existsSync(join(onHost(me.link), 'kept.txt'))).toBe(false);
    }, 320_000);

    it('the home keeps a file across devpod stop and devpod up, which builds again', async () => {
      expect((await devpod(['ssh', ws, '--command', 'echo kept > ~/kept.txt'])).code).toBe(0);
      expect((await devpod(['stop', ws])).code).toBe(0);
      expect((await up(repo)).code).toBe(0);
      const read = await devpod(['ssh', ws, '--command', 'cat ~/kept.txt /built.txt; readlink "$HOME"']);
      expect(read.stdout).toMatch(new RegExp(`^kept\\n${marker}\\n/workspaces/\\.devpod-volumes/`));
    }, 400_000);

    it('devpod delete leaves no job, no variable and no Docker volume', async () => {
      const [job] = await devcontainerJobs(nomad, ws);
      expect((await devpod(['delete', ws])).code).toBe(0);
      expect(await devcontainerJobs(nomad, ws)).toEqual([]);
      expect((await nomad.variables.read(registryVariablePath(job!.ID!))).data).toBeUndefined();
      expect(docker(['volume', 'ls', '-q']).split('\n')).not.toContain('dev_home');
    });
  });
});
