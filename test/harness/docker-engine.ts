// A real Docker engine for the tests that run docker-driver tasks: Debian's docker.io (dockerd, containerd, runc),
// started on a private socket with its own data and exec roots, so it never touches a machine's own engine. The
// global setup starts one per run (one engine owns the docker0 bridge) and Nomad agents that ask for it get
// `plugin "docker" { config { endpoint = … } }`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '../helpers/debian.js';
import { stopProcess, unmountUnder } from './nomad-agent.js';

/** Runs the docker CLI against an engine; returns stdout. */
export type DockerCli = (args: string[], input?: Buffer | string) => string;

export interface DockerEngine {
  /** `unix://…`, for DOCKER_HOST and Nomad's docker plugin `endpoint`. */
  endpoint: string;
  logPath: string;
  docker: DockerCli;
  stop(): Promise<void>;
}

/** The docker CLI for the engine at `endpoint` (test files get it with inject('dockerEndpoint')). */
export const dockerCli =
  (endpoint: string): DockerCli =>
  (args, input) =>
    execFileSync('docker', args, {
      env: { ...process.env, DOCKER_HOST: endpoint },
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a Docker-API daemon (dockerd, podman's service) answers /_ping on its socket. */
export function ping(socketPath: string): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000, agent: false }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export interface DockerEngineOptions {
  /**
   * A bridge of the engine's own instead of docker0 (`cidr`: the bridge's address, e.g. 172.30.213.1/24), for an
   * engine that runs beside another on this machine: two engines on docker0 hand out the same container addresses.
   * The engine writes no iptables rules (the other engine owns Docker's chains): three of our own, removed with the
   * bridge, let its containers out as Docker's would (masqueraded, e.g. to this machine's DNS server); nothing is
   * published.
   */
  bridge?: { name: string; cidr: string };
}

/** Makes the bridge `b` and its rules (a leftover bridge of that name is replaced); returns their removal. */
function makeBridge(b: { name: string; cidr: string }): () => void {
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const quietly = (f: () => unknown) => {
    try {
      f();
    } catch {
      // Not there.
    }
  };
  quietly(() => run('ip', ['link', 'del', b.name]));
  run('ip', ['link', 'add', 'name', b.name, 'type', 'bridge']);
  run('ip', ['addr', 'add', b.cidr, 'dev', b.name]);
  run('ip', ['link', 'set', b.name, 'up']);
  const [route] = JSON.parse(run('ip', ['-j', '-4', 'route', 'show', 'dev', b.name, 'proto', 'kernel'])) as { dst: string }[];
  const rules = [
    ['-t', 'nat', 'POSTROUTING', '-s', route!.dst, '!', '-o', b.name, '-j', 'MASQUERADE'],
    ['-t', 'filter', 'FORWARD', '-i', b.name, '-j', 'ACCEPT'],
    ['-t', 'filter', 'FORWARD', '-o', b.name, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ].map(([t, table, chain, ...rule]) => ({ table: [t!, table!], chain: chain!, rule }));
  const iptables = (op: string, r: (typeof rules)[number]) => run('iptables', [...r.table, op, r.chain, ...r.rule]);
  for (const r of rules) {
    quietly(() => iptables('-D', r));
    iptables('-I', r);
  }
  return () => {
    for (const r of rules) quietly(() => iptables('-D', r));
    quietly(() => run('ip', ['link', 'del', b.name]));
  };
}

export async function startDockerEngine(opts: DockerEngineOptions = {}): Promise<DockerEngine> {
  // Several checkouts testing side by side on one machine share one engine (one engine owns the docker0 bridge):
  // TEST_DOCKER_ENDPOINT names an engine someone else started and stops.
  const shared = process.env.TEST_DOCKER_ENDPOINT;
  if (shared) return { endpoint: shared, logPath: '(shared engine)', docker: dockerCli(shared), stop: async () => undefined };
  ensureDebianPackages(['docker.io'], { noRecommends: true });
  const removeBridge = opts.bridge ? makeBridge(opts.bridge) : () => undefined;
  const bridgeArgs = opts.bridge ? ['--bridge', opts.bridge.name, '--iptables=false', '--ip-masq=false'] : [];
  const dir = mkdtempSync(join(tmpdir(), 'dockerd-'));
  const socket = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--host',
      `unix://${socket}`,
      '--containerd-namespace',
      'devpod-provider-nomad-test',
      '--shutdown-timeout',
      '3',
      ...bridgeArgs,
    ],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const endpoint = `unix://${socket}`;
  const stop = async () => {
    if (exited === undefined) await stopProcess(child, 'SIGTERM', 20_000);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    removeBridge();
  };

  // Readiness is polled: test scaffolding waiting for a daemon to boot.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const tail = log();
      await stop();
      throw new Error(`dockerd ${exited} before it was ready; log:\n${tail}`);
    }
    if (await ping(socket)) {
      return { endpoint, logPath, docker: dockerCli(endpoint), stop };
    }
    await sleep(200);
  }
  const tail = log();
  await stop();
  throw new Error(`dockerd on ${socket} not ready in 60 s; log:\n${tail}`);
}
