// A production-shaped Nomad cluster on loopback, for the tests that the single dev agent cannot answer: one server
// agent and N client agents, each its own `nomad agent` process (not -dev: state on disk, real heartbeats), with ACLs
// bootstrapped and mutual TLS on HTTP and RPC (verify_server_hostname, verify_https_client). Node loss, client and
// server restarts, and the provider's TLS and ACL paths are tested against it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killLeftovers, nomadBinary, stopProcess, unmountUnder } from './nomad-agent.js';

export interface ClusterOptions {
  /** Number of client agents (default 2). */
  clients?: number;
  /**
   * A Docker engine's endpoint (unix://…). Clients then get the docker driver pointed at it, and the cluster is ready
   * once every client's docker driver is healthy. Without it the driver points at a socket that does not exist.
   */
  dockerEndpoint?: string;
  /** Extra HCL inside the docker plugin's config block (not `gc`: the harness sets that). */
  dockerConfig?: string;
  /** Extra HCL inside each client block (e.g. host volumes). */
  clientConfig?: string;
  /** Extra HCL inside the server block. */
  serverConfig?: string;
  /**
   * The server's heartbeat_grace (e.g. "2s"), so a killed client is marked down within seconds in fault tests;
   * min_heartbeat_ttl is then lowered to 1s too. Without it Nomad's defaults apply (10s TTL + 10s grace, roughly).
   */
  heartbeatGrace?: string;
  /** How long to wait for the leader, the ACL bootstrap and all client nodes (default 60 s). */
  readyTimeoutMs?: number;
}

export interface ClusterNode {
  /** The node's name as registered, `<cluster id>-client-<n>`. */
  name: string;
  nodeId: string;
  /** The agent's directory: agent.hcl, agent.log, data/ (Nomad's data_dir) and alloc_mounts/. */
  dataDir: string;
  logTail(lines?: number): string;
  /**
   * A node loss: SIGKILLs the client agent and then its tasks (executors, raw_exec processes, docker containers), as
   * a machine that dies takes its tasks with it. The server marks the node down once its heartbeat grace expires.
   */
  kill(): Promise<void>;
  /**
   * Starts the client again with the same data dir, name and ports (stopping it first with SIGINT if it still runs,
   * which leaves its tasks running for the new agent to reattach), and waits until the node has registered again and
   * is ready.
   */
  restart(): Promise<void>;
  /** Polls the server until the node's status is `status` (e.g. "down" after kill()). */
  waitForStatus(status: 'ready' | 'down' | 'disconnected' | 'initializing', timeoutMs?: number): Promise<void>;
  readonly alive: boolean;
}

export interface SecureCluster {
  /** https://127.0.0.1:<server http port> */
  address: string;
  /** The name the server's certificate is valid for, for TLS verification ("server.global.nomad"). */
  serverName: string;
  caFile: string;
  /** The CLI certificate and key (`nomad tls cert create -cli`): what tests and the provider present. */
  cliCert: string;
  cliKey: string;
  certsDir: string;
  /** The bootstrap management token: for the harness and test setup only, never for the code under test. */
  managementToken: string;
  clients: ClusterNode[];
  server: {
    dataDir: string;
    logTail(lines?: number): string;
    /** SIGINTs the server and starts it again on the same data dir (state persists); waits for a leader. */
    restart(): Promise<void>;
  };
  /** NOMAD_ADDR, NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY, NOMAD_TLS_SERVER_NAME (no token). */
  tlsEnv(): Record<string, string>;
  /** Creates ACL policy `policyName` from HCL `rules` and a client token with only that policy; returns its SecretID. */
  tokenFor(policyName: string, rules: string): Promise<string>;
  /**
   * A JSON request to the server's HTTP API with the CLI certificate and, unless `token` is given, the management
   * token (`null`: no token). Rejects with a NomadApiError on a non-2xx status.
   */
  api<T>(method: string, path: string, body?: unknown, token?: string | null): Promise<T>;
  /** Stops every agent and task, removes the cluster's directory (certificates, data dirs) and its mounts. */
  stop(): Promise<void>;
}

export class NomadApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${body.trim()}`);
    this.name = 'NomadApiError';
  }
}

const SERVER_NAME = 'server.global.nomad';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** The environment for every nomad process: AWS_CA_BUNDLE (set on this machine) aborts an agent's fingerprinting. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  return env;
}

interface Ports {
  http: number;
  rpc: number;
  serf: number;
}

/** One agent's process across restarts: same config, same log (appended). */
class AgentProcess {
  private child: ChildProcess | undefined;
  private failure: string | undefined;

  constructor(
    readonly label: string,
    readonly dir: string,
    private readonly bin: string,
    config: string,
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(this.configPath, config);
  }

  get configPath(): string {
    return join(this.dir, 'agent.hcl');
  }
  get logPath(): string {
    return join(this.dir, 'agent.log');
  }

  get running(): boolean {
    return this.child !== undefined && this.failure === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Why the current process is gone, if it is. */
  get exited(): string | undefined {
    if (this.failure) return this.failure;
    if (!this.child || this.running) return undefined;
    return `exited with ${this.child.signalCode ?? this.child.exitCode}`;
  }

  start(): void {
    const logFd = openSync(this.logPath, 'a');
    try {
      this.failure = undefined;
      this.child = spawn(this.bin, ['agent', `-config=${this.configPath}`], { stdio: ['ignore', logFd, logFd], env: childEnv() });
      this.child.once('error', (err) => {
        this.failure = `could not start: ${err.message}`;
      });
    } finally {
      closeSync(logFd);
    }
  }

  async stop(signal: 'SIGINT' | 'SIGKILL', graceMs = 5_000): Promise<void> {
    if (this.child && this.running) await stopProcess(this.child, signal, graceMs);
  }

  logTail(lines = 80): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

function agentConfig(a: { name: string; dir: string; ports: Ports; certsDir: string; cert: 'server' | 'client'; body: string }): string {
  return `name = "${a.name}"
data_dir = "${a.dir}/data"
bind_addr = "127.0.0.1"
log_level = "DEBUG"
disable_update_check = true
ports {
  http = ${a.ports.http}
  rpc  = ${a.ports.rpc}
  serf = ${a.ports.serf}
}
advertise {
  http = "127.0.0.1"
  rpc  = "127.0.0.1"
  serf = "127.0.0.1"
}
acl {
  enabled = true
}
tls {
  http = true
  rpc  = true
  ca_file   = "${a.certsDir}/nomad-agent-ca.pem"
  cert_file = "${a.certsDir}/global-${a.cert}-nomad.pem"
  key_file  = "${a.certsDir}/global-${a.cert}-nomad-key.pem"
  verify_server_hostname = true
  verify_https_client    = true
}
# No Consul here: do not advertise to or discover servers through a Consul agent someone may run on :8500.
consul {
  auto_advertise   = false
  server_auto_join = false
  client_auto_join = false
}
${a.body}
`;
}

function serverBody(opts: ClusterOptions): string {
  const heartbeat = opts.heartbeatGrace ? `  heartbeat_grace   = "${opts.heartbeatGrace}"\n  min_heartbeat_ttl = "1s"\n` : '';
  return `server {
  enabled          = true
  bootstrap_expect = 1
${heartbeat}${opts.serverConfig ?? ''}
}`;
}

function clientBody(dir: string, serverRpc: number, opts: ClusterOptions): string {
  return `client {
  enabled = true
  servers = ["127.0.0.1:${serverRpc}"]
  # Loopback only, as the dev agent does: ports of tasks are allocated (and docker maps them) on 127.0.0.1.
  network_interface = "lo"
  options {
    # No cloud metadata probes; the AWS one even aborts the agent when AWS_CA_BUNDLE is set.
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }
${opts.clientConfig ?? ''}
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}
plugin "docker" {
  config {
    # Without an engine of the harness's, point the driver at nothing, so a machine's own daemon never gives the
    # nodes a docker driver the test did not ask for.
    endpoint = "${opts.dockerEndpoint ?? `unix://${dir}/no-docker.sock`}"
    # Several clients share one engine: each client's reconciler would remove the other clients' containers as
    # dangling (they are not its tasks).
    gc {
      dangling_containers {
        enabled = false
      }
    }
${opts.dockerConfig ?? ''}
  }
}`;
}

/** CA, server, client and CLI certificates from Nomad's own `nomad tls` commands (region global, domain nomad). */
async function createCerts(bin: string, certsDir: string): Promise<void> {
  const nomad = (args: string[]) => run(bin, args, { cwd: certsDir, env: childEnv() });
  await nomad(['tls', 'ca', 'create']);
  await Promise.all([['-server'], ['-client'], ['-cli']].map((kind) => nomad(['tls', 'cert', 'create', ...kind])));
}

/**
 * Kills the processes of an agent's dir (see killLeftovers), including the log plugins (logmon, docker_logger) that
 * otherwise outlive the agent forever, and waits until they are gone, not just signalled.
 */
async function killAllUnder(dir: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const pids = killLeftovers(dir, { openFiles: true });
    if (!pids.length) return;
    if (Date.now() > deadline) throw new Error(`processes under ${dir} survive SIGKILL: ${pids.join(', ')}`);
    await sleep(50);
  }
}

interface NodeStub {
  ID: string;
  Name: string;
  Status: string;
  ModifyIndex: number;
  Drivers?: Record<string, { Healthy: boolean; Detected: boolean } | undefined>;
}

interface DockerContainer {
  Id: string;
  Labels?: Record<string, string>;
  Mounts?: { Source?: string }[];
}

function dockerRequest(endpoint: string, method: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest({ socketPath: endpoint.replace(/^unix:\/\//, ''), method, path, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`docker ${method} ${path} timed out`)));
    req.on('error', fail);
    req.end();
  });
}

/**
 * Removes the docker containers of the given allocations, or that mount something under `dir`: the tasks (and
 * network pause containers) of clients that are gone. A client agent never stops them when it exits.
 */
async function removeContainers(endpoint: string, dir: string, allocIds: Set<string>): Promise<void> {
  const list = await dockerRequest(endpoint, 'GET', '/containers/json?all=1');
  if (list.status !== 200) throw new Error(`docker: listing containers: HTTP ${list.status} ${list.text}`);
  const ours = (JSON.parse(list.text) as DockerContainer[]).filter(
    (c) => allocIds.has(c.Labels?.['com.hashicorp.nomad.alloc_id'] ?? '') || c.Mounts?.some((m) => m.Source?.startsWith(`${dir}/`)),
  );
  await Promise.all(ours.map((c) => dockerRequest(endpoint, 'DELETE', `/containers/${c.Id}?force=1&v=1`)));
}

export async function startSecureCluster(opts: ClusterOptions = {}): Promise<SecureCluster> {
  const bin = nomadBinary();
  const root = mkdtempSync(join(tmpdir(), 'nomad-cluster-'));
  // Node names carry a per-cluster id, so logs and assertions never confuse two clusters' nodes.
  const clusterId = randomUUID().slice(0, 6);
  const certsDir = join(root, 'certs');
  mkdirSync(certsDir);
  const caFile = join(certsDir, 'nomad-agent-ca.pem');
  const cliCert = join(certsDir, 'global-cli-nomad.pem');
  const cliKey = join(certsDir, 'global-cli-nomad-key.pem');
  const managementToken = randomUUID();

  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const ports = async (): Promise<Ports> => ({ http: await port(), rpc: await port(), serf: await port() });

  const [serverPorts] = await Promise.all([ports(), createCerts(bin, certsDir)]).catch((err: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw err;
  });
  const serverDir = join(root, 'server');
  const server = new AgentProcess(
    'server',
    serverDir,
    bin,
    agentConfig({
      name: `${clusterId}-server`,
      dir: serverDir,
      ports: serverPorts,
      certsDir,
      cert: 'server',
      body: serverBody(opts),
    }),
  );
  const clientProcs: AgentProcess[] = [];
  for (let i = 1; i <= (opts.clients ?? 2); i++) {
    // `.d`: killLeftovers matches a dir as a prefix, and "client-1" is one of "client-10".
    const dir = join(root, `client-${i}.d`);
    clientProcs.push(
      new AgentProcess(
        `${clusterId}-client-${i}`,
        dir,
        bin,
        agentConfig({
          name: `${clusterId}-client-${i}`,
          dir,
          ports: await ports(),
          certsDir,
          cert: 'client',
          body: clientBody(dir, serverPorts.rpc, opts),
        }),
      ),
    );
  }
  const all = [server, ...clientProcs];

  const address = `https://127.0.0.1:${serverPorts.http}`;
  // No keep-alive: a pooled connection would outlive a server restart and fail the next request.
  const agent = new Agent({
    ca: readFileSync(caFile),
    cert: readFileSync(cliCert),
    key: readFileSync(cliKey),
    servername: SERVER_NAME,
    keepAlive: false,
  });

  const request = (method: string, path: string, body: unknown, token: string | null, timeoutMs = 10_000) =>
    new Promise<{ status: number; text: string }>((done, fail) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = {};
      if (token) headers['X-Nomad-Token'] = token;
      if (payload !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
      const req = httpsRequest(
        { host: '127.0.0.1', port: serverPorts.http, method, path, agent, servername: SERVER_NAME, headers, timeout: timeoutMs },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => done({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', fail);
      req.end(payload);
    });

  const api = async <T>(method: string, path: string, body?: unknown, token?: string | null): Promise<T> => {
    const res = await request(method, path, body, token === undefined ? managementToken : token);
    if (res.status < 200 || res.status > 299) throw new NomadApiError(method, path, res.status, res.text);
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  };

  const logs = (lines: number) => all.map((p) => `--- ${p.label} (${p.logPath}) ---\n${p.logTail(lines)}`).join('\n');

  /**
   * Polls `check` (which returns undefined when done, else what it saw) until done; throws with the agents' logs when
   * one of `procs` exits or time runs out. Polling is fine here: test scaffolding waiting for processes to boot.
   */
  const waitFor = async (what: string, timeoutMs: number, procs: AgentProcess[], check: () => Promise<string | undefined>) => {
    const deadline = Date.now() + timeoutMs;
    let last = 'not checked yet';
    for (;;) {
      const gone = procs.find((p) => p.exited !== undefined);
      if (gone) throw new Error(`${what}: nomad agent ${gone.label} ${gone.exited}; logs:\n${logs(40)}`);
      try {
        const seen = await check();
        if (seen === undefined) return;
        last = seen;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`${what}: not done in ${timeoutMs} ms (last: ${last}); logs:\n${logs(40)}`);
      await sleep(200);
    }
  };

  /**
   * Undefined once the server can register clients: it has a leader, and the leader has created the keyring's first
   * root key, which Node.Register needs to sign the node's identity. That key is made in the background after the
   * election; a client that registers before gets "failed to sign node identity claims: keyring has not been
   * initialized yet", which it does not retry for 15 s plus jitter (client/client.go registerRetryIntv). The public
   * half of the key shows in the JWKS.
   */
  const serverReady = async () => {
    const leader = await request('GET', '/v1/status/leader', undefined, null, 2_000);
    if (leader.status !== 200 || !JSON.parse(leader.text)) return `leader: HTTP ${leader.status} ${leader.text}`;
    const jwks = await request('GET', '/.well-known/jwks.json', undefined, null, 2_000);
    // Nomad before 1.7 has no JWKS endpoint, and its clients register without a signed identity.
    if (jwks.status === 404) return undefined;
    if (jwks.status !== 200 || !(JSON.parse(jwks.text) as { keys?: unknown[] }).keys?.length) return `keyring: HTTP ${jwks.status} ${jwks.text}`;
    return undefined;
  };
  const nodeReady = (n: NodeStub | undefined) =>
    n?.Status === 'ready' && n.Drivers?.raw_exec?.Healthy === true && (!opts.dockerEndpoint || n.Drivers?.docker?.Healthy === true);
  const describeNodes = (nodes: NodeStub[]) =>
    JSON.stringify(
      nodes.map((n) => ({ name: n.Name, status: n.Status, raw_exec: n.Drivers?.raw_exec?.Healthy, docker: n.Drivers?.docker?.Healthy })),
    );
  const getNode = (nodeId: string) => api<NodeStub>('GET', `/v1/node/${nodeId}`);
  const allocIdsOf = async (nodeId: string) => new Set((await api<{ ID: string }[]>('GET', `/v1/node/${nodeId}/allocations`)).map((a) => a.ID));

  const nodes: ClusterNode[] = clientProcs.map((proc) => {
    const node: ClusterNode = {
      name: proc.label,
      nodeId: '',
      dataDir: proc.dir,
      logTail: (lines) => proc.logTail(lines),
      get alive() {
        return proc.running;
      },
      async kill() {
        // Ask the server which allocations the node has before it goes: their containers go with it.
        const allocIds = opts.dockerEndpoint ? await allocIdsOf(node.nodeId).catch(() => new Set<string>()) : new Set<string>();
        await proc.stop('SIGKILL');
        if (opts.dockerEndpoint) await removeContainers(opts.dockerEndpoint, proc.dir, allocIds);
        await killAllUnder(proc.dir);
      },
      async restart() {
        // A restarted client registers again, which bumps the node's ModifyIndex; a heartbeat does not. So "ready
        // with a higher index" means the new agent is in, not that the server has not noticed the old one is gone.
        const before = (await getNode(node.nodeId)).ModifyIndex;
        await proc.stop('SIGINT');
        proc.start();
        await waitFor(`restart of ${proc.label}`, opts.readyTimeoutMs ?? 60_000, [proc], async () => {
          const n = await getNode(node.nodeId);
          return n.ModifyIndex > before && nodeReady(n) ? undefined : `node: ${describeNodes([n])}, index ${n.ModifyIndex} (before ${before})`;
        });
      },
      async waitForStatus(status, timeoutMs = 30_000) {
        await waitFor(`node ${proc.label} ${status}`, timeoutMs, [server], async () => {
          const n = await getNode(node.nodeId);
          return n.Status === status ? undefined : `status ${n.Status}`;
        });
      },
    };
    return node;
  });

  const stop = async () => {
    const allocIds =
      opts.dockerEndpoint && server.running
        ? new Set((await api<{ ID: string }[]>('GET', '/v1/allocations').catch(() => [])).map((a) => a.ID))
        : new Set<string>();
    await Promise.all(all.map((p) => p.stop('SIGINT', 3_000)));
    // Client agents leave their tasks running when they exit (that is what lets a restarted agent reattach).
    if (opts.dockerEndpoint) await removeContainers(opts.dockerEndpoint, root, allocIds).catch(() => undefined);
    const leftovers = await killAllUnder(root).catch((err: unknown) => err);
    agent.destroy();
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    if (leftovers) throw leftovers;
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  try {
    server.start();
    let bootstrapped = false;
    await waitFor('server start', timeoutMs, [server], async () => {
      const notYet = await serverReady();
      if (notYet) return notYet;
      if (!bootstrapped) {
        // The secret is chosen here, so a bootstrap whose answer was lost can be retried ("already done" is ours).
        const res = await request('POST', '/v1/acl/bootstrap', { BootstrapSecret: managementToken }, null);
        if (res.status !== 200 && !/already done/.test(res.text)) return `ACL bootstrap: HTTP ${res.status} ${res.text}`;
        bootstrapped = true;
      }
      return undefined;
    });
    // Clients start only now: a registration the server cannot serve yet is retried after 15-30 s (see serverReady).
    for (const c of clientProcs) c.start();
    await waitFor('client start', Math.max(deadline - Date.now(), 1_000), all, async () => {
      const list = await api<NodeStub[]>('GET', '/v1/nodes');
      for (const node of nodes) node.nodeId = list.find((n) => n.Name === node.name)?.ID ?? '';
      const pending = nodes.filter((node) => !nodeReady(list.find((n) => n.ID === node.nodeId)));
      return pending.length ? `waiting for ${pending.map((n) => n.name).join(', ')}; nodes: ${describeNodes(list)}` : undefined;
    });
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    address,
    serverName: SERVER_NAME,
    caFile,
    cliCert,
    cliKey,
    certsDir,
    managementToken,
    clients: nodes,
    server: {
      dataDir: server.dir,
      logTail: (lines) => server.logTail(lines),
      async restart() {
        await server.stop('SIGINT');
        server.start();
        await waitFor('server restart', timeoutMs, [server], async () => {
          const notYet = await serverReady();
          if (notYet) return notYet;
          // The ACL state came back from disk with the rest.
          await api('GET', '/v1/acl/token/self');
          return undefined;
        });
      },
    },
    tlsEnv: () => ({
      NOMAD_ADDR: address,
      NOMAD_CACERT: caFile,
      NOMAD_CLIENT_CERT: cliCert,
      NOMAD_CLIENT_KEY: cliKey,
      NOMAD_TLS_SERVER_NAME: SERVER_NAME,
    }),
    async tokenFor(policyName, rules) {
      await api('POST', `/v1/acl/policy/${encodeURIComponent(policyName)}`, { Name: policyName, Description: 'test policy', Rules: rules });
      const token = await api<{ SecretID: string }>('POST', '/v1/acl/token', { Name: `${policyName}-token`, Type: 'client', Policies: [policyName] });
      return token.SecretID;
    },
    api,
    stop,
  };
}
