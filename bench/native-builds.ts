// Native builds (issue 33): what a Dockerfile devcontainer costs a developer with the native provider, by each route
// a team can take, in one interleaved run with a real devpod CLI and the released linux-amd64 executable (its
// provider-native.yaml served as the integration tests serve it), against a Nomad agent of its own on the docker
// driver: (1) DevPod's dockerless builder builds it in the task (kaniko), a fresh workspace each round; (2) the
// bench's Docker engine builds it (`docker build`), pushes it, and `devpod up` runs a devcontainer naming that image;
// (3) `devpod build --provider docker --repository` once, as a team's CI pays it, then `devpod up
// --prebuild-repository` each round. The setup is the integration tests' (native-dockerless, native-prebuild), from
// the same helpers. Nomad's docker driver uses the bench's engine, so the engine drops each built image before the
// `up` that runs it: Nomad pulls it from the registry every round, as a node that never ran it would.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NomadClient } from '../src/adapters/nomad/client.js';
import { resolveConnection } from '../src/adapters/nomad/connection.js';
import { startDockerEngine } from '../test/harness/docker-engine.js';
import { startNomadAgent, workspacesHostVolume } from '../test/harness/nomad-agent.js';
import { type Devpod, devpodCli, LOFT, providerAddArgs, SKEVETTER } from '../test/helpers/devpod.js';
import { bridgeGateway, pushBaseImage, pushDockerlessImage } from '../test/helpers/dockerless.js';
import { devcontainerJobs, dockerfileRepo, nativeOptions, taskOf } from '../test/helpers/native-builds.js';
import { startPrivateRegistry } from '../test/helpers/registry.js';
import { pathWithoutNode, serveRelease } from '../test/helpers/release.js';
import { median } from './stats.js';

/** A bridge of the bench's engine's own: the integration tests' engine may own docker0 on this machine meanwhile. */
const BRIDGE = { name: 'devpodbench0', cidr: '172.30.213.1/24' };
const MARKER = 'built-for-the-bench';
const UP_TIMEOUT = 600_000;

type Route = 'dockerless' | 'image' | 'prebuild';

interface Round {
  dockerless: number;
  build: number;
  push: number;
  imageUp: number;
  prebuildUp: number;
}

const since = (t: number) => performance.now() - t;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () => loadavg()[0]!.toFixed(1);

export async function benchNativeBuilds(o: { runs: number; log: (m: string) => void }): Promise<string> {
  // The fork by default: loft-sh v0.6.15's EOF race (test/helpers/devpod.ts) makes an `up` run twice now and then.
  const cli = process.env.BENCH_DEVPOD === 'loft' ? LOFT : SKEVETTER;
  const began = performance.now();
  const loads = [load()];
  const work = mkdtempSync(join(tmpdir(), 'bench-native-builds-'));
  const volume = join(work, 'volume');
  const engine = await startDockerEngine({ bridge: BRIDGE });
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => engine.stop()];
  try {
    const { docker } = engine;
    const served = await serveRelease('linux-amd64');
    cleanups.push(() => served.close());
    const pathDir = pathWithoutNode();
    cleanups.push(() => rmSync(pathDir, { recursive: true, force: true }));
    // The task reaches the registry at the bridge's address; CI's builder (dockerd's, which trusts no CA of ours)
    // through the plain door on loopback; DevPod and Nomad at its TLS address.
    const registry = await startPrivateRegistry(join(work, 'registry'), { alsoOn: bridgeGateway(docker), plainDoor: true });
    cleanups.push(() => registry.stop());
    const builder = pushDockerlessImage(docker, registry, work);
    const base = pushBaseImage(docker, registry, join(work, 'base'));
    // Every round's builder task starts from a node that has the builder image, as all but a node's first would.
    docker(['--config', registry.dockerConfigDir, 'pull', builder]);
    const agent = await startNomadAgent({
      dockerEndpoint: engine.endpoint,
      clientConfig: workspacesHostVolume(volume),
    });
    cleanups.push(() => agent.stop());
    const nomad = new NomadClient(resolveConnection({}, { address: agent.address }));

    // The same Dockerfile, FROM the base where each builder reaches it: kaniko in the task at the bridge's address,
    // DevPod's docker provider (the daemon's BuildKit) through the plain door, `docker build` (Docker 20.10's legacy
    // builder: no buildx here) at the TLS address, which dockerd takes on loopback without checking the CA.
    const inTaskRepo = dockerfileRepo(join(work, 'in-task'), base.replace(registry.address, registry.alsoAddress!), MARKER);
    const prebuildRepo = dockerfileRepo(join(work, 'prebuild'), base.replace(registry.address, registry.plainAddress!), MARKER);
    const dockerRepo = dockerfileRepo(join(work, 'docker'), base, MARKER);
    const imageRepo = join(work, 'image');
    mkdirSync(join(imageRepo, '.devcontainer'), { recursive: true });

    const home = (name: string) => {
      mkdirSync(join(work, name, 'tmp'), { recursive: true });
      return {
        DEVPOD_HOME: join(work, name),
        env: { TMPDIR: join(work, name, 'tmp'), DOCKER_CONFIG: registry.dockerConfigDir, SSL_CERT_FILE: registry.caPath },
      };
    };
    const ciHome = home('ci-home');
    const devHome = home('dev-home');
    const ci = devpodCli(ciHome.DEVPOD_HOME, UP_TIMEOUT, { ...ciHome.env, DOCKER_HOST: engine.endpoint }, cli);
    const dev = devpodCli(devHome.DEVPOD_HOME, UP_TIMEOUT, { ...devHome.env, PATH: pathDir }, cli);
    let retried = 0;
    const devpod = async (d: Devpod, args: string[]) => {
      const r = await d.run(args);
      if (r.code !== 0) throw new Error(`bench: native builds: devpod ${args.join(' ')} exited ${r.code}:\n${r.out.slice(-6000)}`);
      if (r.retried) retried++;
      return r;
    };
    await devpod(
      dev,
      providerAddArgs(`${served.url}/provider-native.yaml`, 'nomadnative', nativeOptions(agent.address, registry, { DOCKERLESS_IMAGE: builder })),
    );
    await devpod(ci, ['provider', 'add', 'docker', '-o', `DOCKER_HOST=${engine.endpoint}`]);

    o.log('bench: native builds: devpod build --provider docker, once (CI)');
    let t = performance.now();
    await devpod(ci, ['build', prebuildRepo, '--provider', 'docker', '--repository', `${registry.plainAddress}/prebuilds`]);
    const ciBuild = since(t);
    // The engine keeps what CI built: dropped, so that Nomad pulls the prebuilt image as a node without it would.
    const dropPrebuilt = () => {
      const refs = docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n');
      const prebuilt = refs.filter((r) => /\/prebuilds:devpod-[0-9a-f]+$/.test(r));
      if (prebuilt.length) docker(['rmi', ...prebuilt]);
    };
    dropPrebuilt();

    /** One workspace up (timed), checked to run what its route says, its RUN's file there; then deleted (untimed). */
    const upAndDelete = async (ws: string, repo: string, image: RegExp, extra: string[] = []) => {
      const started = performance.now();
      const up = await devpod(dev, ['up', repo, '--id', ws, '--provider', 'nomadnative', '--ide', 'none', '--debug', ...extra]);
      const ms = since(started);
      const jobs = await devcontainerJobs(nomad, ws);
      const ran = String(taskOf(jobs[0]!).Config?.image);
      if (jobs.length !== 1 || !image.test(ran)) throw new Error(`bench: native builds: ${ws} runs ${ran}, expected ${image}`);
      // A retried up finds the workspace there, so only a first run says it found the prebuilt image.
      if (extra.length && !up.retried && !/Found existing prebuilt image/i.test(up.out))
        throw new Error(`bench: native builds: ${ws} found no prebuilt image`);
      const built = (await devpod(dev, ['ssh', ws, '--command', 'cat /built.txt'])).stdout.trim();
      if (built !== MARKER) throw new Error(`bench: native builds: ${ws} has ${JSON.stringify(built)} in /built.txt, expected ${MARKER}`);
      await devpod(dev, ['delete', ws]);
      return ms;
    };
    const escaped = (s: string) => s.replace(/[.]/g, '\\.');

    const rounds: Round[] = [];
    const order: Route[] = ['dockerless', 'image', 'prebuild'];
    for (let i = 0; i < o.runs; i++) {
      const r: Partial<Round> = {};
      // Each round starts one route later, so none always runs first on a machine that warms up.
      for (const route of [...order.slice(i % 3), ...order.slice(0, i % 3)]) {
        if (route === 'dockerless') r.dockerless = await upAndDelete(`bench-in-task-${i}`, inTaskRepo, new RegExp(`^${escaped(builder)}$`));
        if (route === 'image') {
          const local = `bench/built:${i}`;
          const ref = `${registry.address}/built:${i}`;
          t = performance.now();
          docker(['--config', registry.dockerConfigDir, 'build', '--no-cache', '-q', '-t', local, join(dockerRepo, '.devcontainer')]);
          r.build = since(t);
          docker(['tag', local, ref]);
          t = performance.now();
          docker(['--config', registry.dockerConfigDir, 'push', '-q', ref]);
          r.push = since(t);
          docker(['rmi', local, ref]);
          writeFileSync(join(imageRepo, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name: MARKER, image: ref }));
          r.imageUp = await upAndDelete(`bench-image-${i}`, imageRepo, new RegExp(`^${escaped(ref)}$`));
        }
        if (route === 'prebuild') {
          const repository = `${registry.address}/prebuilds`;
          r.prebuildUp = await upAndDelete(`bench-prebuilt-${i}`, prebuildRepo, new RegExp(`^${escaped(repository)}:devpod-`), [
            '--prebuild-repository',
            repository,
          ]);
          dropPrebuilt();
        }
      }
      const done = r as Round;
      rounds.push(done);
      loads.push(load());
      o.log(
        `bench: native builds, round ${i + 1}/${o.runs}: in the task ${secs(done.dockerless)}; docker build ${secs(done.build)} + push ${secs(done.push)} + up ${secs(done.imageUp)}; prebuilt up ${secs(done.prebuildUp)} (load ${loads.at(-1)})`,
      );
    }
    const engineVersion = docker(['version', '--format', '{{.Server.Version}}']).trim();
    return section({ rounds, ciBuild, cli: cli.name, engineVersion, retried, loads, took: since(began) });
  } finally {
    for (const c of cleanups.reverse()) await c();
    rmSync(work, { recursive: true, force: true });
  }
}

function section(m: {
  rounds: Round[];
  ciBuild: number;
  cli: string;
  engineVersion: string;
  retried: number;
  loads: string[];
  took: number;
}): string {
  const col = (f: (r: Round) => number) => m.rounds.map(f);
  const row = (label: string, xs: number[]) => `| ${label} | ${s2(median(xs))} | ${s2(Math.min(...xs))} | ${s2(Math.max(...xs))} |`;
  const inTask = col((r) => r.dockerless);
  const sum = col((r) => r.build + r.push + r.imageUp);
  const prebuilt = col((r) => r.prebuildUp);
  const ratio = (xs: number[]) => (median(inTask) / median(xs)).toFixed(2);
  const gap = median(inTask) - median(prebuilt);
  const n = m.rounds.length;
  return (
    `## Native builds (issue 33)\n\n` +
    `A Dockerfile devcontainer (test/helpers/native-builds.ts: FROM a small busybox base in the bench's private ` +
    `registry, one RUN that writes a file and adds a user, USER) brought up with the native provider by each route, ` +
    `${n} round${n === 1 ? '' : 's'}, interleaved (each round starts one route later): ${m.cli}, the released ` +
    `linux-amd64 executable (provider-native.yaml served as the integration tests serve it), a Nomad agent of its own ` +
    `on the docker driver with Debian's Docker engine ${m.engineVersion}, the registry on this machine (TLS, a ` +
    `password; Nomad pulls with it from the job's variable). Every \`devpod up\` (\`--ide none --debug\`) is of a fresh ` +
    `workspace (\`--id\`), checked to run the route's image with the RUN's file in it, then deleted (not timed). ` +
    `Nomad's docker driver shares the engine that builds, so the engine drops each built image before its \`up\`: ` +
    `Nomad pulls it every round, as a node that never ran it would; the dockerless builder image is pulled once ` +
    `beforehand, as every node but a new one has it. Kaniko in the task also looks for cached layers in ` +
    `\`index.docker.io/library/local/cache\` (DevPod sets no \`REGISTRY_CACHE\` by default); offline here, that ends at ` +
    `the DNS answer.\n\n` +
    `| route: step | median | min | max |\n|---|---|---|---|\n` +
    [
      row("**(1) in the task**: `devpod up` (DevPod's dockerless builder runs kaniko in the Nomad task)", inTask),
      row(
        '(2) `docker build --no-cache` with the engine',
        col((r) => r.build),
      ),
      row(
        '(2) `docker push` to the registry',
        col((r) => r.push),
      ),
      row(
        '(2) `devpod up` of a devcontainer naming the pushed image',
        col((r) => r.imageUp),
      ),
      row('**(2) build + push + up**', sum),
      `| (3) \`devpod build --provider docker --repository …\`, once (CI pays it) | ${s2(m.ciBuild)} | | |`,
      row('**(3) prebuilt**: `devpod up --prebuild-repository …`', prebuilt),
    ].join('\n') +
    `\n\n- in the task / build + push + up: **${ratio(sum)}×**; in the task / prebuilt up: **${ratio(prebuilt)}×**\n` +
    `- The run took ${secs(m.took)} (setup included); load average (1 min) ${m.loads[0]} at the start, ` +
    `${m.loads.slice(1).join(', ')} after each round` +
    `${Number(m.loads[0]) > 3 ? ' (other jobs running on the 2 cores: every absolute time is inflated; the ratios, within one interleaved run, are what to read)' : ''}.` +
    `${m.retried ? ` ${m.retried} \`devpod up\` hit loft-sh v0.6.15's EOF race and ran twice (test/helpers/devpod.ts); both runs are in its time.` : ''}\n\n` +
    `What this means for a team: with this one-RUN Dockerfile, a workspace built in the task took ` +
    `${secs(Math.abs(gap))} ${gap >= 0 ? 'longer' : 'less'} than one from the prebuilt image (medians` +
    `${Math.min(...inTask) <= Math.max(...prebuilt) ? '; the rounds overlap, so at this size the gap is near the noise' : ''}). That build runs on ` +
    `the Nomad node, for every developer, on every new workspace and again on each \`devpod up\` after a stop ` +
    `(native-dockerless.test.ts), and it grows with the Dockerfile's RUN steps. The prebuild route is the fast path: ` +
    `CI pays \`devpod build\` once per change of the devcontainer, and each \`devpod up\` then costs what an image ` +
    `devcontainer costs, a pull and the start. Building with Docker and naming the image gives the same \`up\`, plus ` +
    `a build and a push someone has to run and keep in step with the Dockerfile; \`--prebuild-repository\` keeps them ` +
    `in step by its hash (docs/operator-guide.md, Dockerfile and features devcontainers).\n`
  );
}
