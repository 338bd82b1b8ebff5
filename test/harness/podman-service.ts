// A real Podman for the podman-driver tests: Debian's podman with runc, its API served by `podman system service` on a
// private socket with its own storage (never a machine's own), and a Nomad agent given nomad-driver-podman v0.4.1
// (scripts/podman-driver-binary). This sandbox has no CAP_SYS_RESOURCE and cgroups in hybrid mode, which crun (the
// default runtime) refuses; runc with lower ulimits works, set in a containers.conf named by CONTAINERS_CONF.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDebianPackages } from '../helpers/debian.js';
import { ping } from './docker-engine.js';
import { stopProcess, unmountUnder } from './nomad-agent.js';

const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
`;

export interface PodmanService {
  /** `unix://…`, for the plugin's socket_path. */
  endpoint: string;
  /** The podman CLI against this service's storage; returns stdout. */
  podman(args: string[], input?: Buffer | string): string;
  /** HCL for a Nomad agent: the plugin dir and the podman plugin pointed at this service. */
  agentConfig: string;
  stop(): Promise<void>;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Makes podman trust a registry's CA the way an operator sets it up on a client, at
 * /etc/containers/certs.d/<host:port>/ca.crt (the port is the test's own, so nothing else is affected); returns the
 * undo.
 */
export function trustRegistryCa(address: string, caPath: string): () => void {
  const dir = join('/etc/containers/certs.d', address);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ca.crt'), readFileSync(caPath));
  return () => rmSync(dir, { recursive: true, force: true });
}

/** Path of the pinned nomad-driver-podman (PODMAN_DRIVER_BIN wins); builds it on first use. */
export function podmanDriverBinary(): string {
  return execFileSync(join(repoRoot, 'scripts', 'podman-driver-binary'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPodmanService(): Promise<PodmanService> {
  ensureDebianPackages(['podman', 'runc']);
  const driver = podmanDriverBinary();
  const dir = mkdtempSync(join(tmpdir(), 'podman-'));
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, CONTAINERS_CONF);
  // The plugin dir holds the driver under the name Nomad looks it up by.
  const pluginDir = join(dir, 'plugins');
  mkdirSync(pluginDir);
  execFileSync('ln', ['-s', driver, join(pluginDir, 'nomad-driver-podman')]);
  const storage = ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp')];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const socket = join(dir, 'podman.sock');
  const logPath = join(dir, 'podman.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn('podman', [...storage, 'system', 'service', '--time=0', `unix://${socket}`], {
    stdio: ['ignore', logFd, logFd],
    env,
  });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const podman = (args: string[], input?: Buffer | string) =>
    execFileSync('podman', [...storage, ...args], { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const stop = async () => {
    if (exited === undefined) await stopProcess(child, 'SIGTERM', 10_000);
    // Containers the service started outlive it; their mounts and runc state live under dir.
    try {
      podman(['rm', '--all', '--force', '--time', '1']);
    } catch {
      // nothing left, or storage already gone
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const endpoint = `unix://${socket}`;
  const agentConfig = `plugin_dir = "${pluginDir}"\nplugin "nomad-driver-podman" {\n  config {\n    socket_path = "${endpoint}"\n  }\n}\n`;

  // Readiness is polled: test scaffolding waiting for a daemon to boot.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
      await stop();
      throw new Error(`podman system service ${exited} before it was ready; log:\n${tail}`);
    }
    if (await ping(socket)) return { endpoint, podman, agentConfig, stop };
    await sleep(200);
  }
  await stop();
  throw new Error(`podman system service on ${socket} not ready in 60 s`);
}
