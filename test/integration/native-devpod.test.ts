// `devpod up` with the native provider (custom driver: the devcontainer is the Nomad task), from each real devpod CLI
// in turn (loft-sh v0.6.15, then the skevetter fork v0.26.1, each with a DEVPOD_HOME and repository of its own),
// against one real agent of its own on Nomad's docker driver, with the harness's real Docker engine (Debian's docker.io): the devcontainer is
// a real container, its image in a private registry on loopback that speaks only TLS (a CA made by the test) and
// asks for a password (test/helpers/registry.ts); the provider has NOMAD_REGISTRY_AUTH=job, so Nomad pulls the image
// with the password the task reads from its Nomad Variable. The workspace is on a Nomad host volume. Proves up →
// devpod ssh runs in the task → a file survives stop and up again → delete leaves no job (and no variable). The provider is the released linux-amd64 executable, which DevPod downloads from the release
// served on loopback HTTP when `up` first needs it, and runs with a PATH that has no `node` on it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent, workspacesHostVolume } from '../harness/nomad-agent.js';
import { startVaultServer, vaultForNomad, type VaultServer } from '../harness/vault-server.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor } from '../helpers/jobs.js';
import { eventually, httpGet, serviceAddresses } from '../helpers/ports.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { dirsWithNode, isElf, listedBinaries, pathWithoutNode, serveRelease, sha256File, type ServedRelease } from '../helpers/release.js';

const EXECUTABLE = 'devpod-provider-nomad-linux-amd64';
/** The devcontainer's forwardPorts entry; unusual, since `devpod ssh` also forwards it to this machine's loopback. */
const WEB_PORT = 38471;
const work = mkdtempSync(join(tmpdir(), 'native-up-'));
const volume = join(work, 'volume');
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
let agent: NomadAgent;
let nomad: NomadClient;
let registry: PrivateRegistry | undefined;
let vault: VaultServer | undefined;
/** A Vault secret the devcontainer gets in its environment (VAULT_SECRETS_JSON), through Nomad's workload identity. */
const VAULT_VALUE = `native-${Math.random().toString(36).slice(2)}`;
let served: ServedRelease;
let pathDir: string;
let image: string;

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();

  // A tiny image (busybox), pushed to the private registry and removed from the engine, so Nomad has to pull it.
  registry = await startPrivateRegistry(join(work, 'registry'));
  importImage(docker, busyboxRootfs(work), 'devpod-test/native-src:latest');
  image = registry.push(docker, 'devpod-test/native-src:latest', 'native:latest');
  docker(['rmi', 'devpod-test/native-src:latest']);
  vault = await startVaultServer();
  const forNomad = await vaultForNomad(vault, { policies: { 'devpod-secrets': 'path "secret/data/devpod/*" { capabilities = ["read"] }\n' } });
  agent = await startNomadAgent({
    dockerEndpoint: endpoint,
    clientConfig: workspacesHostVolume(volume),
    extraConfig: forNomad.config,
  });
  nomad = clientFor(agent.address);
  await forNomad.ready(agent.address);
  await vault.api('POST', 'secret/data/devpod/native', { data: { token: VAULT_VALUE } });
}, 900_000);

afterAll(async () => {
  await registry?.stop();
  await vault?.stop();
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

describe.each(DEVPOD_CLIS)('devpod up with the native provider, from $name', (cli) => {
  /** The repository DevPod brings up; its name is the workspace's. */
  const ws = `native-${cli.fork ? 'fork' : 'loft'}`;
  const repo = join(work, ws);
  const home = join(work, `devpod-home-${ws}`);
  let dp: Devpod;
  /** Everything DevPod printed (its --debug output includes the provider's stderr), searched for the password. */
  const printed: string[] = [];
  const devpod = async (args: string[], timeoutMs?: number) => {
    const r = await dp.run(args, timeoutMs);
    printed.push(r.out);
    return r;
  };
  /** This CLI's devcontainer jobs: DevPod names the devcontainer after its context and a hash, the job's meta has the workspace. */
  const devcontainerJobs = async () => {
    const jobs = (await nomad.jobs.list('devpod-dc-')).data;
    const metas = await Promise.all(jobs.map(async (j) => (await nomad.jobs.read(j.ID)).data?.Meta?.devpod_workspace_id));
    return jobs.filter((_, i) => metas[i] === ws);
  };

  beforeAll(() => {
    mkdirSync(join(repo, '.devcontainer'), { recursive: true });
    // forwardPorts, what NOMAD_PORTS=devcontainer publishes, with a label in the spec's portsAttributes and one in
    // DevPod's own spelling, portAttributes (pkg/devcontainer/config/config.go's JSON key): which reaches the provider.
    writeFileSync(
      join(repo, '.devcontainer', 'devcontainer.json'),
      JSON.stringify({
        name: 'native',
        image,
        forwardPorts: [WEB_PORT],
        portsAttributes: { [WEB_PORT]: { label: 'Spec Label' } },
        portAttributes: { [WEB_PORT]: { label: 'Web App' } },
      }),
    );
    writeFileSync(join(repo, 'README'), 'from the repository\n');
    // TMPDIR: DevPod caches downloaded binaries in $TMPDIR/devpod-binaries; a fresh one makes it download.
    // DevPod itself reads the image's metadata from the registry, on its own side and with its own client
    // (go-containerregistry, which verifies TLS even on loopback): it gets credentials and the CA as a user's machine
    // has them, a Docker config (DOCKER_CONFIG, as `docker login` writes it) and the CA for Go's TLS (SSL_CERT_FILE).
    // Without SSL_CERT_FILE, `devpod up` stopped here with `Get "https://127.0.0.1:…/v2/": tls: failed to verify
    // certificate: x509: certificate signed by unknown authority` (tried once by hand).
    mkdirSync(join(home, 'tmp'), { recursive: true });
    dp = devpodCli(
      home,
      240_000,
      { PATH: pathDir, TMPDIR: join(home, 'tmp'), DOCKER_CONFIG: registry!.dockerConfigDir, SSL_CERT_FILE: registry!.caPath },
      cli,
    );
    // The engine may hold the image from the other CLI's run: Nomad has to pull it again, with the password.
    const left = docker(['images', '-q', image]).trim();
    if (left) docker(['rmi', '-f', image]);
  }, 900_000);

  it('gives DevPod a PATH on which there is no node', () => {
    expect(dirsWithNode(pathDir)).toEqual([]);
    expect(() => execFileSync('sh', ['-c', 'command -v node'], { env: { PATH: pathDir }, stdio: 'pipe' })).toThrow();
  });

  it('adds the provider from its URL, and devpod up runs the devcontainer as the Nomad task', async () => {
    const add = await devpod(
      providerAddArgs(`${served.url}/provider-native.yaml`, 'nomadnative', {
        NOMAD_ADDR: agent.address,
        NOMAD_DRIVER: 'docker',
        NOMAD_MEMORYMB: '512',
        NOMAD_VOLUME_TYPE: 'host',
        NOMAD_VOLUME_SOURCE: 'devpod-workspaces',
        NOMAD_VOLUME_MOUNT: '/workspaces',
        NOMAD_REGISTRY_AUTH: 'job',
        NOMAD_REGISTRY_USERNAME: registry!.username,
        NOMAD_REGISTRY_PASSWORD: registry!.password,
        NOMAD_REGISTRY_SERVER: registry!.address,
        VAULT_SECRETS_JSON: '[{"path":"secret/data/devpod/native","fields":{"token":"NATIVE_TOKEN"}}]',
        // The token flow (Nomad before 1.7) derives the task's token with the policies the job names; ignored from 1.10.
        VAULT_POLICIES_JSON: '["devpod-secrets"]',
        NOMAD_PORTS: 'devcontainer',
      }),
    );
    expect(add.code).toBe(0);
    const started = Date.now();
    const registryLog = statSync(registry!.logPath).size;
    const up = await devpod(['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug'], 150_000);
    process.stderr.write(`[native ${cli.name}] devpod up took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (up.code !== 0) process.stderr.write(`[native ${cli.name}] devpod up output:\n${up.out.slice(-4000)}\n`);
    expect(up.out).toMatch(/running on node/);
    expect(up.code).toBe(0);
    const jobs = await devcontainerJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.Status).toBe('running');
    // Nomad pulled the image from the private registry with the password from the job's variable; the job has none.
    expect(docker(['image', 'inspect', '--format', '{{.Id}}', image]).trim()).toMatch(/^sha256:/);
    // Both clients passed the registry's password check: DevPod's, and the Docker engine's pull for Nomad (whose
    // docker driver talks to the engine through go-dockerclient on Nomad 1.6, Go's HTTP client on 1.11).
    const agents = registry!.authorizedAgents(registryLog);
    expect(agents).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^go-containerregistry\//),
        expect.stringMatching(/^docker\/.*UpstreamClient\((Go-http-client|go-dockerclient)/),
      ]),
    );
    const kept = (await nomad.jobs.read(jobs[0]!.ID)).data!;
    expect(JSON.stringify(kept)).not.toContain(registry!.password);
    const task = kept.TaskGroups![0]!.Tasks[0]!;
    expect(task.Config!.auth).toEqual([{ username: registry!.username, password: '${DEVPOD_REGISTRY_PASSWORD}', server_address: registry!.address }]);
    expect((await nomad.variables.read(registryVariablePath(jobs[0]!.ID))).data?.Items).toEqual({ registry_password: registry!.password });
    expect(readFileSync(join(volume, ws, 'README'), 'utf8')).toBe('from the repository\n');
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
    const ssh = await devpod(['ssh', ws, '--command', 'cat /proc/1/cmdline; echo ok']);
    expect(ssh.code).toBe(0);
    process.stderr.write(`[native ${cli.name}] devpod ssh printed ${JSON.stringify(ssh.stdout)}\n`);
    expect(ssh.stdout).toMatch(/ok\n$/);
    // PID 1 is the devcontainer's own entrypoint (DevPod's keep-alive shell), in the container Nomad runs for the job;
    // the fork's keep-alive shell ends by exec'ing DevPod's container daemon, which is then PID 1.
    const [job] = await devcontainerJobs();
    const alloc = (await nomad.jobs.allocations(job!.ID)).data!.find((a) => a.ClientStatus === 'running')!;
    const inspected = JSON.parse(docker(['inspect', `workspace-${alloc.ID}`]))[0] as { Path: string; Args: string[]; State: { Running: boolean } };
    expect(inspected.State.Running).toBe(true);
    const execd = /\nexec (\/\S+(?: \S+)*)\s*$/.exec(inspected.Args[1] ?? '')?.[1]?.split(' ');
    expect([[inspected.Path, ...inspected.Args], execd]).toContainEqual(ssh.stdout.replace(/ok\n$/, '').split('\0').filter(Boolean));
  });

  it("publishes the devcontainer's forwardPorts (NOMAD_PORTS=devcontainer): a server started over devpod ssh answers at its service", async () => {
    const [job] = await devcontainerJobs();
    const group = (await nomad.jobs.read(job!.ID)).data!.TaskGroups![0]!;
    const services = (group.Services as { Name: string; PortLabel: string }[]).map((s) => [s.Name, s.PortLabel]);
    process.stderr.write(`[native ${cli.name}] services ${JSON.stringify(services)}, meta ${JSON.stringify(group.Meta)}\n`);
    // Both CLIs read devcontainer.json's port labels under DevPod's key, portAttributes; the spec's portsAttributes
    // does not reach the metadata (with it alone, the port was p<port> in both: tried once).
    expect(group.Meta).toEqual({ devpod_ports: `web-app=${WEB_PORT}` });
    const name = services[0]![0]!;
    const serve = `mkdir -p /tmp/www && echo "hello from ${ws}" > /tmp/www/index.html && httpd -p ${WEB_PORT} -h /tmp/www`;
    expect((await devpod(['ssh', ws, '--command', serve])).code).toBe(0);
    const [address] = await serviceAddresses(nomad, name);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await eventually(() => httpGet(address!))).toEqual({ status: 200, body: `hello from ${ws}\n` });
  });

  it("devpod ssh sees the Vault secret in the devcontainer's environment; the job has only its path", async () => {
    // Not kept in `printed`: this one output is meant to show the value.
    const ssh = await dp.run(['ssh', ws, '--command', 'echo "$NATIVE_TOKEN"']);
    expect(ssh.code).toBe(0);
    expect(ssh.stdout).toBe(`${VAULT_VALUE}\n`);
    const [job] = await devcontainerJobs();
    const spec = JSON.stringify((await nomad.jobs.read(job!.ID)).data);
    expect(spec).toContain('secret/data/devpod/native');
    expect(spec).not.toContain(VAULT_VALUE);
  });

  it('keeps a file written in the devcontainer across devpod stop and devpod up', async () => {
    expect((await devpod(['ssh', ws, '--command', `echo kept > /workspaces/${ws}/kept.txt`])).code).toBe(0);
    expect((await devpod(['stop', ws])).code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(true);
    const up = await devpod(['up', repo, '--provider', 'nomadnative', '--ide', 'none', '--debug']);
    if (up.code !== 0) process.stderr.write(`[native ${cli.name}] devpod up (again) output:\n${up.out.slice(-6000)}\n`);
    expect(up.code).toBe(0);
    expect((await devcontainerJobs())[0]!.Stop).toBe(false);
    const read = await devpod(['ssh', ws, '--command', `cat /workspaces/${ws}/kept.txt`]);
    expect(read.stdout).toBe('kept\n');
    // ssh, stop, up and ssh again: 14 s alone, past the default 60 s once in a fresh CI run with every file busy.
  }, 180_000);

  it('devpod delete leaves no job behind, and no variable', async () => {
    const [job] = await devcontainerJobs();
    expect((await devpod(['delete', ws])).code).toBe(0);
    expect(await devcontainerJobs()).toEqual([]);
    expect((await nomad.variables.read(registryVariablePath(job!.ID))).data).toBeUndefined();
  });

  it("the registry password and the Vault value are in nothing DevPod printed (--debug on up) and not in the agent's log", () => {
    const everything = [...printed, readFileSync(agent.logPath, 'utf8')].join('\n');
    expect(everything).not.toContain(registry!.password);
    expect(everything).not.toContain(VAULT_VALUE);
  });
});
