// A systemd host for the nspawn tests. nomad-driver-nspawn needs systemd as PID 1 and systemd-machined, which the test
// machine lacks, so the harness boots a Debian systemd root (scripts/nspawn-roots) with systemd-nspawn, starts
// systemd-machined in it, and runs a Nomad 1.6.1 server+client with the driver (scripts/nspawn-driver-binary) there as
// a systemd unit. The container shares the machine's network, so the agent listens on loopback where the provider,
// outside, reaches it. The workspace image is a copy of the same root, inside the host at /var/lib/machines.
// Everything lives in one temporary directory: stop() powers the container off (SIGKILL after a bound), unmounts
// and removes it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDebianPackages } from '../helpers/debian.js';
import { freePort, nomadBinary, stopProcess, unmountUnder } from './nomad-agent.js';

export interface NspawnHost {
  /** The agent's HTTP address, on loopback. */
  address: string;
  /** NOMAD_IMAGE for workspaces: the systemd root inside the host. */
  image: string;
  /** The host volume `devpod-workspaces` (inside the host), as NOMAD_VOLUME_SOURCE names it. */
  volume: string;
  /** The last lines of the agent's log. */
  logTail(lines?: number): string;
  /** Runs a command inside the host (nsenter into all its namespaces); returns stdout. */
  run(args: string[]): string;
  stop(): Promise<void>;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');
const script = (name: string) => execFileSync(join(repoRoot, 'scripts', name), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container's init: the child of systemd-nspawn. */
function leaderOf(nspawnPid: number): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === nspawnPid) return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

const agentHcl = (dataDir: string, ports: { http: number; rpc: number; serf: number }) => `data_dir = "${dataDir}"
bind_addr = "127.0.0.1"
log_level = "DEBUG"
disable_update_check = true
plugin_dir = "/opt/nomad/plugins"
ports {
  http = ${ports.http}
  rpc = ${ports.rpc}
  serf = ${ports.serf}
}
advertise {
  http = "127.0.0.1"
  rpc = "127.0.0.1"
  serf = "127.0.0.1"
}
server {
  enabled = true
  bootstrap_expect = 1
}
client {
  enabled = true
  options {
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }
  host_volume "devpod-workspaces" {
    path = "/srv/volume"
    read_only = false
  }
}
plugin "nspawn" {
  config {
    enabled = true
  }
}
plugin "docker" {
  config {
    endpoint = "unix:///nonexistent/docker.sock"
  }
}
`;

/** Boots the host and its agent; throws, having cleaned up, with the reason if the container cannot boot here. */
export async function startNspawnHost(): Promise<NspawnHost> {
  ensureDebianPackages(['systemd-container', 'debootstrap']);
  const driver = script('nspawn-driver-binary');
  const rootfs = script('nspawn-roots');
  const nomad = nomadBinary();
  const dir = mkdtempSync(join(tmpdir(), 'nspawn-host-'));
  const root = join(dir, 'host');
  // cp -a: the roots hold device nodes, which fs.cpSync refuses.
  execFileSync('cp', ['-a', '--reflink=auto', rootfs, root]);
  execFileSync('cp', ['-a', '--reflink=auto', rootfs, join(root, 'var/lib/machines/devpod-ws')]);
  mkdirSync(join(root, 'opt/nomad/plugins'), { recursive: true });
  cpSync(driver, join(root, 'opt/nomad/plugins/nomad-driver-nspawn'));
  cpSync(nomad, join(root, 'usr/local/bin/nomad'));
  // Writable by the workspace's root, which user namespacing (the driver's default) maps to an unprivileged uid.
  mkdirSync(join(root, 'srv/volume'), { recursive: true });
  chmodSync(join(root, 'srv/volume'), 0o777);
  mkdirSync(join(root, 'srv/nomad'), { recursive: true });
  const ports = { http: await freePort(), rpc: await freePort(), serf: await freePort() };
  writeFileSync(join(root, 'srv/nomad/agent.hcl'), agentHcl('/srv/nomad/data', ports));
  const logPath = join(dir, 'nspawn.log');
  const agentLog = join(root, 'srv/nomad/agent.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    'systemd-nspawn',
    ['-D', root, '--boot', '--register=no', '--keep-unit', '--capability=all', `--machine=devpod-nsphost-${process.pid}`],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `systemd-nspawn exited with ${signal ?? code}`;
  });
  let leader: number | undefined;
  const run = (args: string[]) =>
    execFileSync('nsenter', ['-t', String(leader), '-a', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  const read = (p: string, lines: number) => {
    try {
      return readFileSync(p, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const stop = async () => {
    if (exited === undefined) {
      // SIGTERM asks the container's systemd to power off; its units (the agent, the workspaces) stop with it.
      await stopProcess(child, 'SIGTERM', 20_000);
    }
    if (leader) {
      try {
        process.kill(leader, 'SIGKILL');
      } catch {
        // gone with the container
      }
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const address = `http://127.0.0.1:${ports.http}`;
  try {
    const deadline = Date.now() + 90_000;
    let last = 'not booted';
    // The container's systemd, then machined, then the agent: each bounded by the one deadline.
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${exited} before it booted; its log:\n${read(logPath, 30)}`);
      leader ??= child.pid ? leaderOf(child.pid) : undefined;
      if (leader) {
        try {
          last = run(['systemctl', 'is-system-running']).trim();
        } catch (err) {
          last = String((err as { stdout?: string }).stdout ?? err).trim();
        }
        if (last === 'running' || last === 'degraded') break;
      }
      await sleep(300);
    }
    if (last !== 'running' && last !== 'degraded')
      throw new Error(`the systemd container did not finish booting in 90 s (${last}); its log:\n${read(logPath, 30)}`);
    run(['systemctl', 'start', 'systemd-machined']);
    run([
      'systemd-run',
      '--unit=devpod-test-nomad',
      `--property=StandardOutput=append:/srv/nomad/agent.log`,
      `--property=StandardError=append:/srv/nomad/agent.log`,
      '/usr/local/bin/nomad',
      'agent',
      '-config=/srv/nomad/agent.hcl',
    ]);
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${address}/v1/nodes`, { signal: AbortSignal.timeout(2000) });
        const nodes = (await res.json()) as { Status: string; Drivers?: Record<string, { Healthy: boolean; HealthDescription?: string }> }[];
        const node = nodes.find((n) => n.Status === 'ready');
        if (node?.Drivers?.nspawn?.Healthy) {
          return { address, image: '/var/lib/machines/devpod-ws', volume: 'devpod-workspaces', logTail: (n = 80) => read(agentLog, n), run, stop };
        }
        last = `node ${node?.Status ?? 'not registered'}, nspawn ${JSON.stringify(node?.Drivers?.nspawn ?? 'not fingerprinted')}`;
      } catch (err) {
        last = String(err);
      }
      await sleep(300);
    }
    throw new Error(
      `the Nomad agent in the systemd container was not ready with a healthy nspawn driver in time (${last}); its log:\n${read(agentLog, 40)}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
}
