// The secure cluster harness itself: a server and two clients as separate agents, ACLs on, mutual TLS everywhere,
// node loss that the server notices, and state that survives a server restart. Other tests rely on each of these
// properties, so each is checked here.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dockerCli } from '../harness/docker-engine.js';
import { NomadApiError, startSecureCluster, type SecureCluster } from '../harness/nomad-cluster.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { testJob, uniqueId } from '../helpers/jobs.js';

const IMAGE = 'devpod-test/cluster-busybox:1';
const work = mkdtempSync(join(tmpdir(), 'cluster-harness-'));
const docker = dockerCli(inject('dockerEndpoint'));
let cluster: SecureCluster;

beforeAll(async () => {
  importImage(docker, busyboxRootfs(work), IMAGE);
  const started = Date.now();
  cluster = await startSecureCluster({ clients: 2, heartbeatGrace: '2s', dockerEndpoint: inject('dockerEndpoint') });
  process.stderr.write(`[cluster-harness] secure cluster ready in ${Date.now() - started} ms at ${cluster.address}\n`);
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeStub {
  ID: string;
  Name: string;
  Status: string;
}
interface AllocStub {
  ID: string;
  NodeID: string;
  ClientStatus: string;
}

/** Polls until `get` returns something; test-side waiting on the cluster, bounded. */
async function eventually<T>(get: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Registers `job` with the management token and returns its first running allocation. */
async function runningAlloc(job: ReturnType<typeof testJob>): Promise<AllocStub> {
  await cluster.api('PUT', '/v1/jobs', { Job: job });
  return eventually(
    async () => {
      const allocs = await cluster.api<AllocStub[]>('GET', `/v1/job/${job.ID}/allocations`);
      return allocs.find((a) => a.ClientStatus === 'running');
    },
    30_000,
    `a running allocation of ${job.ID}`,
  );
}

/** Pids of processes whose working directory is under `dir`: a node's task processes. */
function processesUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(`${dir}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('secure Nomad cluster harness', () => {
  it('has one ready node per client agent, with distinct names', async () => {
    const nodes = await cluster.api<NodeStub[]>('GET', '/v1/nodes');
    expect(nodes).toHaveLength(2);
    expect(new Set(nodes.map((n) => n.Name)).size).toBe(2);
    expect(nodes.map((n) => n.Status)).toEqual(['ready', 'ready']);
    expect(nodes.map((n) => n.ID).sort()).toEqual(cluster.clients.map((c) => c.nodeId).sort());
    expect(nodes.map((n) => n.Name).sort()).toEqual(cluster.clients.map((c) => c.name).sort());
  });

  it('refuses the TLS handshake to a caller without a client certificate', async () => {
    const attempt = new Promise<number>((done, fail) => {
      const req = request(
        `${cluster.address}/v1/status/leader`,
        { ca: readFileSync(cluster.caFile), servername: cluster.serverName, timeout: 5_000 },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.on('error', fail);
      req.end();
    });
    await expect(attempt).rejects.toThrow(/certificate required/i);
  });

  it('answers 403 to a request with the CLI certificate but no token', async () => {
    const err = await cluster.api('GET', '/v1/jobs', undefined, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NomadApiError);
    expect((err as NomadApiError).status).toBe(403);
  });

  it('gives tokenFor tokens exactly the capabilities of their policy', async () => {
    const token = await cluster.tokenFor('list-only', 'namespace "default" { capabilities = ["list-jobs"] }');
    await expect(cluster.api<unknown[]>('GET', '/v1/jobs', undefined, token)).resolves.toBeInstanceOf(Array);
    const register = await cluster.api('PUT', '/v1/jobs', { Job: testJob(uniqueId('not-allowed')) }, token).catch((e: unknown) => e);
    expect((register as NomadApiError).status).toBe(403);
  });

  it('runs a job on a client, marks the client down when it is lost, and ready again when it restarts', async () => {
    const job = testJob(uniqueId('cluster'));
    const alloc = await runningAlloc(job);
    const node = cluster.clients.find((c) => c.nodeId === alloc.NodeID);
    expect(node, `alloc ${alloc.ID} runs on node ${alloc.NodeID}, not one of the cluster's clients`).toBeDefined();
    expect(processesUnder(node!.dataDir)).not.toEqual([]);

    await node!.kill();
    expect(node!.alive).toBe(false);
    // A lost machine takes its tasks with it.
    expect(processesUnder(node!.dataDir)).toEqual([]);
    const lostAt = Date.now();
    await node!.waitForStatus('down', 15_000);
    process.stderr.write(`[cluster-harness] node ${node!.name} down ${Date.now() - lostAt} ms after kill\n`);
    const other = cluster.clients.find((c) => c !== node)!;
    expect((await cluster.api<NodeStub>('GET', `/v1/node/${other.nodeId}`)).Status).toBe('ready');

    await node!.restart();
    expect(node!.alive).toBe(true);
    expect((await cluster.api<NodeStub>('GET', `/v1/node/${node!.nodeId}`)).Status).toBe('ready');
    await cluster.api('DELETE', `/v1/job/${job.ID}?purge=true`);
  });

  it('runs docker tasks on the shared engine, and a lost node takes its containers with it', async () => {
    const job = testJob(uniqueId('cluster-docker'), { driver: 'docker' });
    job.TaskGroups![0]!.Tasks![0]!.Config = { image: IMAGE, command: '/bin/sleep', args: ['3600'] };
    const alloc = await runningAlloc(job);
    const containers = () =>
      docker(['ps', '-a', '-q', '--filter', `label=com.hashicorp.nomad.alloc_id=${alloc.ID}`])
        .split('\n')
        .filter(Boolean);
    expect(containers()).toHaveLength(1);

    const node = cluster.clients.find((c) => c.nodeId === alloc.NodeID)!;
    await node.kill();
    expect(containers()).toEqual([]);
    await node.restart();
    await cluster.api('DELETE', `/v1/job/${job.ID}?purge=true`);
  });

  it('keeps jobs, nodes and ACL tokens across a restart of the server (state on disk)', async () => {
    const token = await cluster.tokenFor('list-after-restart', 'namespace "default" { capabilities = ["list-jobs"] }');
    const job = testJob(uniqueId('survivor'));
    await cluster.api('PUT', '/v1/jobs', { Job: job });

    await cluster.server.restart();
    const jobs = await cluster.api<Array<{ ID: string }>>('GET', '/v1/jobs', undefined, token);
    expect(jobs.map((j) => j.ID)).toContain(job.ID);
    const nodes = await cluster.api<NodeStub[]>('GET', '/v1/nodes');
    expect(nodes.map((n) => n.ID).sort()).toEqual(cluster.clients.map((c) => c.nodeId).sort());
    await cluster.api('DELETE', `/v1/job/${job.ID}?purge=true`);
  });
});
