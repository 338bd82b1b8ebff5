// The test CSI plugin (test/fixtures/csi-plugin): built with this machine's Go once per change of its sources, run
// on an agent as a Nomad plugin job (raw_exec, csi_plugin type monolith), and waited on until Nomad reports its
// controller and its node healthy — what `nomad plugin status` shows.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NomadAgent } from './nomad-agent.js';

const SOURCE = resolve(import.meta.dirname, '..', 'fixtures', 'csi-plugin');

/** Path of the plugin binary, built on first use: seconds once the Nomad build has filled Go's caches. */
export function csiPluginBinary(): string {
  const hash = createHash('sha256').update(execFileSync('go', ['version'], { encoding: 'utf8' }));
  for (const f of readdirSync(SOURCE)
    .filter((n) => /\.go$|^go\.(mod|sum)$/.test(n))
    .sort())
    hash.update(f).update(readFileSync(join(SOURCE, f)));
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devpod-provider-nomad', 'csi-plugin', hash.digest('hex').slice(0, 12));
  const bin = join(dir, 'csi-plugin');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  // Built aside and renamed: two test files building at once both end with a whole binary.
  const tmp = `${bin}.${process.pid}`;
  // Built as scripts/nomad-binary builds Nomad (cgo on), so the packages they share come from Go's build cache.
  execFileSync('go', ['build', '-mod=readonly', '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'], {
    cwd: SOURCE,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  renameSync(tmp, bin);
  return bin;
}

export interface CsiPlugin {
  /** The plugin id jobs and volumes name (NOMAD_VOLUME_PLUGIN). */
  id: string;
  /** The Nomad job that runs it. */
  jobId: string;
  /** Where the plugin makes volumes: one directory per volume, named after the volume. */
  root: string;
  /** The plugin's stderr so far (every gRPC call Nomad made, and its outcome). */
  log(): Promise<string>;
}

export interface CsiPluginOptions {
  id: string;
  /** The most a volume may be; a create asking for more is refused by the plugin (OUT_OF_RANGE). */
  capacityBytes?: number;
  timeoutMs?: number;
}

async function api<T>(agent: NomadAgent, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${agent.address}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(40_000),
    headers: agent.token ? { 'X-Nomad-Token': agent.token } : {},
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Runs the plugin as a job on the agent (whose client must have raw_exec) and returns once its controller and node
 * are healthy. raw_exec tasks see the host's filesystem, not the mounts Nomad prepares for plugin containers, so the
 * job points stage_publish_base_dir at the host directory Nomad stages volumes under: the paths Nomad then sends
 * the plugin are the host paths it bind-mounts, and the ones Nomad hands the workspace's container.
 */
export async function startCsiPlugin(agent: NomadAgent, opts: CsiPluginOptions): Promise<CsiPlugin> {
  const bin = csiPluginBinary();
  // Nomad's defaults when the client block names no dirs: <data_dir>/client and <data_dir>/alloc.
  const { config } = await api<{ config: { DataDir: string; Client: { StateDir: string; AllocDir: string } } }>(agent, 'GET', '/v1/agent/self');
  const stateDir = config.Client.StateDir || join(config.DataDir, 'client');
  const allocDir = config.Client.AllocDir || join(config.DataDir, 'alloc');
  const root = join(agent.dataDir, 'csi-volumes', opts.id);
  const jobId = `csi-plugin-${opts.id}`;
  const args = ['-root', root, ...(opts.capacityBytes ? ['-capacity', String(opts.capacityBytes)] : [])];
  await api(agent, 'PUT', '/v1/jobs', {
    Job: {
      ID: jobId,
      Name: jobId,
      Type: 'service',
      Datacenters: ['*'],
      TaskGroups: [
        {
          Name: 'plugin',
          Count: 1,
          Tasks: [
            {
              Name: 'plugin',
              Driver: 'raw_exec',
              Config: { command: bin, args },
              CSIPluginConfig: { ID: opts.id, Type: 'monolith', MountDir: '/csi', StagePublishBaseDir: join(stateDir, 'csi', 'monolith', opts.id) },
              Resources: { CPU: 50, MemoryMB: 64 },
            },
          ],
        },
      ],
    },
  });
  const log = () => pluginLog(agent, jobId, allocDir);
  await waitHealthy(agent, opts.id, opts.timeoutMs ?? 60_000, log);
  return { id: opts.id, jobId, root, log };
}

/** The stderr of the job's allocations, where the plugin logs every call. */
async function pluginLog(agent: NomadAgent, jobId: string, allocDir: string): Promise<string> {
  const allocs = await api<Array<{ ID: string }>>(agent, 'GET', `/v1/job/${jobId}/allocations`).catch(() => []);
  return allocs
    .map((a) => {
      try {
        return readFileSync(join(allocDir, a.ID, 'alloc', 'logs', 'plugin.stderr.0'), 'utf8');
      } catch {
        return `(no log for allocation ${a.ID})`;
      }
    })
    .join('\n');
}

/** Blocking queries on the plugin list until the plugin has a healthy controller and node. */
async function waitHealthy(agent: NomadAgent, id: string, timeoutMs: number, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let index = 0;
  let last = 'not registered yet';
  while (Date.now() < deadline) {
    const res = await fetch(`${agent.address}/v1/plugins?type=csi&index=${index}&wait=5s`, {
      signal: AbortSignal.timeout(15_000),
      headers: agent.token ? { 'X-Nomad-Token': agent.token } : {},
    });
    if (!res.ok) throw new Error(`GET /v1/plugins: HTTP ${res.status} ${await res.text()}`);
    index = Number(res.headers.get('x-nomad-index') ?? index);
    const plugin = ((await res.json()) as Array<{ ID: string; ControllersHealthy: number; NodesHealthy: number }>).find((p) => p.ID === id);
    if (plugin && plugin.ControllersHealthy > 0 && plugin.NodesHealthy > 0) return;
    if (plugin) last = `${plugin.ControllersHealthy} healthy controllers, ${plugin.NodesHealthy} healthy nodes`;
  }
  throw new Error(
    `CSI plugin ${id} not healthy within ${timeoutMs / 1000} s (${last}); plugin log:\n${await log()}\nagent log:\n${agent.logTail(40)}`,
  );
}
