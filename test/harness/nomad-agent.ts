// Starts and stops real Nomad agents for tests. The global setup starts one shared dev agent; a test that needs
// something different (ACLs, TLS, an agent it may kill and restart) starts its own with startNomadAgent().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface AgentOptions {
  /** Enable ACLs and bootstrap a management token (returned as `token`). */
  acl?: boolean;
  /** Extra HCL appended to the agent config. */
  extraConfig?: string;
  /** Extra HCL inside the agent's client block (host volumes). */
  clientConfig?: string;
  /** Extra client options (e.g. "user.denylist"). */
  clientOptions?: Record<string, string>;
  /** Reuse a data dir (and ports) from an earlier agent, e.g. to restart one. */
  reuse?: Pick<NomadAgent, 'dataDir' | 'ports'>;
  /** Run with -dev (default). Non-dev agents persist state in dataDir, so they survive a restart. */
  dev?: boolean;
  /** A Docker engine's endpoint (unix://…) for the docker driver; the agent is ready once that driver is healthy. */
  dockerEndpoint?: string;
  /** Extra HCL inside the docker plugin's config block (e.g. `volumes { enabled = true }`). */
  dockerConfig?: string;
  /** Task drivers from plugins (e.g. podman) the agent is ready only once they are healthy. */
  drivers?: string[];
  /** How long to wait for a leader and a ready client node. */
  readyTimeoutMs?: number;
}

/**
 * The client HCL of the host volume "devpod-workspaces" (the NOMAD_VOLUME_SOURCE the tests give) at `path`, which
 * it makes world-writable: tasks write there as their own users.
 */
export function workspacesHostVolume(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
  return `  host_volume "devpod-workspaces" {\n    path = "${path}"\n    read_only = false\n  }\n`;
}

export interface NomadAgent {
  address: string;
  token?: string;
  dataDir: string;
  logPath: string;
  ports: { http: number; rpc: number; serf: number };
  /** The last `lines` lines of the agent's log. */
  logTail(lines?: number): string;
  /** Stops the agent; keeps the data dir when `keepData` (to restart it with `reuse`). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Path of the pinned Nomad binary (NOMAD_BIN wins); builds it on first use. */
export function nomadBinary(): string {
  return execFileSync(join(repoRoot, 'scripts', 'nomad-binary'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

let binaryVersion: [number, number, number] | undefined;

/** The version of the harness's Nomad binary (`nomad version`), read once per process. */
export function harnessNomadVersion(): [number, number, number] {
  if (!binaryVersion) {
    const out = execFileSync(nomadBinary(), ['version'], { encoding: 'utf8' });
    const m = /Nomad v(\d+)\.(\d+)\.(\d+)/.exec(out);
    if (!m) throw new Error(`cannot read the version of ${nomadBinary()}: ${out}`);
    binaryVersion = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  return binaryVersion;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => done(port));
    });
  });
}

function agentConfig(dataDir: string, ports: NomadAgent['ports'], opts: AgentOptions): string {
  const nonDev =
    opts.dev === false
      ? `server {\n  enabled = true\n  bootstrap_expect = 1\n}\nclient {\n  enabled = true\n}\nplugin "raw_exec" {\n  config {\n    enabled = true\n  }\n}\n`
      : '';
  return [
    `data_dir = "${dataDir}/data"`,
    `bind_addr = "127.0.0.1"`,
    `log_level = "DEBUG"`,
    `ports {\n  http = ${ports.http}\n  rpc = ${ports.rpc}\n  serf = ${ports.serf}\n}`,
    `advertise {\n  http = "127.0.0.1"\n  rpc = "127.0.0.1"\n  serf = "127.0.0.1"\n}`,
    // Keep test agents quick to converge and quiet on the network: no cloud metadata probes (the AWS one even
    // aborts the agent when AWS_CA_BUNDLE is set), no update check.
    `disable_update_check = true`,
    `client {\n  options {\n${Object.entries({ 'fingerprint.denylist': 'env_aws,env_gce,env_azure,env_digitalocean', ...opts.clientOptions })
      .map(([k, v]) => `    "${k}" = "${v}"`)
      .join('\n')}\n  }\n${opts.clientConfig ?? ''}\n}`,
    opts.acl ? `acl {\n  enabled = true\n}` : '',
    // Without an engine of the harness's, point the docker driver at nothing, so a machine's own daemon never
    // gives the agent a docker driver the tests did not ask for.
    `plugin "docker" {\n  config {\n    endpoint = "${opts.dockerEndpoint ?? `unix://${dataDir}/no-docker.sock`}"\n${opts.dockerConfig ?? ''}\n  }\n}`,
    nonDev,
    opts.extraConfig ?? '',
  ].join('\n');
}

async function getJson(url: string, token?: string): Promise<unknown> {
  const res = await fetch(url, { headers: token ? { 'X-Nomad-Token': token } : {}, signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeStub {
  ID: string;
  Status: string;
  Drivers?: Record<string, { Healthy: boolean; Detected: boolean }>;
}

export async function startNomadAgent(opts: AgentOptions = {}): Promise<NomadAgent> {
  const bin = nomadBinary();
  const dataDir = opts.reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'nomad-test-'));
  const ports = opts.reuse?.ports ?? { http: await freePort(), rpc: await freePort(), serf: await freePort() };
  const configPath = join(dataDir, 'agent.hcl');
  writeFileSync(configPath, agentConfig(dataDir, ports, opts));
  const logPath = join(dataDir, 'agent.log');
  const logFd = openSync(logPath, 'a');
  const args = ['agent', `-config=${configPath}`];
  if (opts.dev !== false) args.splice(1, 0, '-dev');
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', logFd, logFd], env });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const address = `http://127.0.0.1:${ports.http}`;
  const logTail = (lines = 80) => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const stop = async ({ keepData = false } = {}) => {
    if (exited === undefined) await stopProcess(child, 'SIGINT', 3_000);
    // Task processes (raw_exec) and their executors outlive an agent that exits before stopping its allocations.
    if (!keepData) killLeftovers(dataDir, { openFiles: true });
    if (!keepData) {
      unmountUnder(dataDir);
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  // Readiness is polled: this is test scaffolding waiting for a process to boot, not product behaviour.
  let token: string | undefined;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let last = 'not started';
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`nomad agent ${exited} before it was ready; log:\n${logTail()}`);
    }
    try {
      const leader = (await getJson(`${address}/v1/status/leader`)) as string;
      if (!leader) {
        last = 'no leader yet';
      } else {
        if (opts.acl && token === undefined) token = await bootstrapOrReuse(address, dataDir);
        const nodes = (await getJson(`${address}/v1/nodes?resources=false`, token)) as NodeStub[];
        const wanted = ['raw_exec', ...(opts.dockerEndpoint ? ['docker'] : []), ...(opts.drivers ?? [])];
        const ready = nodes.find((n) => n.Status === 'ready' && wanted.every((d) => n.Drivers?.[d]?.Healthy));
        if (ready) return { address, token, dataDir, logPath, ports, logTail, stop };
        last = `nodes: ${JSON.stringify(nodes.map((n) => ({ s: n.Status, ...Object.fromEntries(wanted.map((d) => [d, n.Drivers?.[d]])) })))}`;
      }
    } catch (err) {
      last = String(err);
    }
    await sleep(200);
  }
  await stop({ keepData: true });
  throw new Error(`nomad agent at ${address} not ready in time (${last}); log:\n${logTail()}`);
}

/** Signals a child and waits for it to exit; SIGKILL after `graceMs`. The timer never holds the test run open. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    gone.then(() => true),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!inTime) {
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Kills processes that run in, or name, the agent's data dir: executors and the tasks themselves. `dir` is matched as
 * a plain prefix of paths, so no other agent's dir may start with it (`…/client-1` would match `…/client-10`).
 * With `openFiles`, also processes that hold a file under `dir` open: the `nomad logmon` and `nomad docker_logger`
 * plugins, whose command line and working directory name nothing of the agent's (they run in the agent's cwd).
 * Returns the pids it signalled: a killed process lingers for a moment, so a caller that needs them gone calls again
 * until none are left.
 */
export function killLeftovers(dir: string, opts: { openFiles?: boolean } = {}): number[] {
  const holdsFileUnder = (pid: string) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${dir}/`);
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  };
  const killed: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmd.includes(dir) || cwd.startsWith(`${dir}/`) || (opts.openFiles && holdsFileUnder(pid))) {
        process.kill(Number(pid), 'SIGKILL');
        killed.push(Number(pid));
      }
    } catch {
      // gone already, or not ours to read
    }
  }
  return killed;
}

/**
 * The client mounts tmpfs secrets/private dirs into each allocation dir (as root) and leaves them when the agent
 * exits before garbage collection; they must go before the data dir can be removed.
 */
export function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${dir}/`));
  } catch {
    return;
  }
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** Bootstraps ACLs once; a restarted agent reuses the token saved in its data dir. */
async function bootstrapOrReuse(address: string, dataDir: string): Promise<string> {
  const saved = join(dataDir, 'bootstrap-token');
  try {
    return readFileSync(saved, 'utf8').trim();
  } catch {
    // not bootstrapped yet
  }
  const res = await fetch(`${address}/v1/acl/bootstrap`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`ACL bootstrap: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { SecretID: string };
  writeFileSync(saved, body.SecretID, { mode: 0o600 });
  return body.SecretID;
}
