// Faults on a production-shaped cluster (one server, two clients, ACLs, mutual TLS), each checked for what DevPod
// would see: the `status` word and reason along the way, and what create, start and command do. The cluster is this
// file's own, because its tests kill nodes and restart the server.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { ClusterNode, SecureCluster } from '../harness/nomad-cluster.js';
import { cli } from '../helpers/cli.js';
import { uniqueId } from '../helpers/jobs.js';
import { startProviderCluster, type ProviderCluster } from '../helpers/provider-cluster.js';

let setup: ProviderCluster;
let cluster: SecureCluster;

beforeAll(async () => {
  // A killed node is marked down within seconds (not Nomad's default ~20 s), also after a server restart.
  setup = await startProviderCluster({ heartbeatGrace: '2s', serverConfig: 'failover_heartbeat_ttl = "5s"' });
  cluster = setup.cluster;
}, 180_000);

afterAll(async () => {
  await setup?.stop();
});

const env = (machine: string, extra: Record<string, string> = {}) => setup.env(machine, { NOMAD_TIMEOUT: '90s', ...extra });

interface Seen {
  status: string;
  state: string;
  reason?: string;
  node?: string;
}

async function statusJson(e: Record<string, string>): Promise<Seen> {
  const r = await cli(['status', '--output', 'json'], e);
  if (r.code !== 0) return { status: `exit ${r.code}`, state: 'error', reason: r.stderr.trim() };
  return JSON.parse(r.stdout.toString()) as Seen;
}

/** What `status` says, sampled until `done` holds (tests may poll: this is DevPod's own view of the workspace). */
async function statusesUntil(e: Record<string, string>, done: (s: Seen) => boolean, timeoutMs: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await statusJson(e);
    const last = seen.at(-1);
    if (!last || last.status !== s.status || last.reason !== s.reason || last.node !== s.node) seen.push(s);
    if (done(s)) return seen;
    if (Date.now() > deadline)
      throw new Error(`status never reached the goal in ${timeoutMs} ms; seen:\n${seen.map((x) => JSON.stringify(x)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const nodeNamed = (name: string | undefined): ClusterNode => {
  const n = cluster.clients.find((c) => c.name === name);
  if (!n) throw new Error(`no client named ${name}`);
  return n;
};
const log = (what: string, seen: Seen[]) =>
  process.stderr.write(`[faults] ${what}:\n${seen.map((s) => `  ${s.status} ${s.state} ${s.node ?? ''} ${s.reason ?? ''}\n`).join('')}`);

// Each test gets 180 s: node kills, drains and restarts while other files load the same two cores.
describe('faults on a secure cluster', () => {
  it('a client running a workspace is killed: status says so, and the workspace comes back on the other client', async () => {
    const machine = uniqueId('kill');
    const e = env(machine);
    expect((await cli(['create'], e)).code).toBe(0);
    const before = await statusJson(e);
    expect(before.status).toBe('Running');
    const victim = nodeNamed(before.node);
    await victim.kill();
    try {
      const seen = await statusesUntil(e, (s) => (s.status === 'Running' && s.node !== victim.name) || s.status === 'Stopped', 60_000);
      log(`after killing ${victim.name}`, seen);
      // While it comes back, the node's loss is named, not passed off as a plain restart.
      expect(
        seen.some(
          (s) =>
            s.status !== 'Running' && new RegExp(`replacing allocation \\w{8}, lost with node ${victim.name}|lost|disconnected`).test(s.reason ?? ''),
        ),
      ).toBe(true);
      let last = seen.at(-1)!;
      if (last.status === 'Stopped') {
        // Nomad did not replace it: `start` (what devpod up runs) brings it back on the node that is left.
        const started = await cli(['start'], e);
        expect(started.code, started.stderr).toBe(0);
        last = await statusJson(e);
      }
      expect(last).toMatchObject({ status: 'Running' });
      expect(last.node).not.toBe(victim.name);
      const r = await cli(['command'], { ...e, COMMAND: 'echo back' });
      expect([r.stdout.toString(), r.code]).toEqual(['back\n', 0]);
    } finally {
      await victim.restart();
      await cli(['delete'], e);
    }
  }, 180_000);

  it('the node running a workspace is drained: status is Busy while it moves, then Running on the other client', async () => {
    const machine = uniqueId('drain');
    const e = env(machine);
    expect((await cli(['create'], e)).code).toBe(0);
    const before = await statusJson(e);
    const drained = nodeNamed(before.node);
    await cluster.api('PUT', `/v1/node/${drained.nodeId}/drain`, { DrainSpec: { Deadline: 5e9 }, Meta: { message: 'test drain' } });
    try {
      const seen = await statusesUntil(e, (s) => s.status === 'Running' && s.node !== drained.name, 60_000);
      log(`after draining ${drained.name}`, seen);
      expect(seen.some((s) => s.status === 'Busy' && /replacing allocation \w{8}, .*migrat/.test(s.reason ?? ''))).toBe(true);
      expect(seen.at(-1)!.node).not.toBe(drained.name);
      const r = await cli(['command'], { ...e, COMMAND: 'echo moved' });
      expect([r.stdout.toString(), r.code]).toEqual(['moved\n', 0]);
    } finally {
      await cluster.api('PUT', `/v1/node/${drained.nodeId}/drain`, { DrainSpec: null, MarkEligible: true });
      await cli(['delete'], e);
    }
  }, 180_000);

  it('the server restarts while create waits: create still returns once the workspace runs', async () => {
    const machine = uniqueId('srv');
    const e = env(machine);
    const creating = cli(['create'], e);
    // Restart once the job is registered, so the restart hits the wait (the event stream), not the submission.
    for (let i = 0; i < 200; i++) {
      if (
        await cluster.api('GET', `/v1/job/${jobIdFor(machine)}`).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const stateAtRestart = await statusJson(e);
    await cluster.server.restart();
    process.stderr.write(`[faults] server restarted while create saw: ${JSON.stringify(stateAtRestart)}\n`);
    const r = await creating;
    expect(r.code, r.stderr).toBe(0);
    expect((await statusJson(e)).status).toBe('Running');
    await cli(['delete'], e);
  }, 180_000);

  it('a wait that cannot end (an image pull that hangs) ends at NOMAD_TIMEOUT with the last state and its reason, the job stopped', async () => {
    // A registry that accepts connections and never answers: Docker's pull hangs (Nomad's own pull timeout is 5 min).
    const sockets = new Set<Socket>();
    const stall = createServer((s) => sockets.add(s.on('error', () => undefined)));
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const machine = uniqueId('stall');
    const e = env(machine, { NOMAD_TIMEOUT: '8s', NOMAD_IMAGE: `127.0.0.1:${(stall.address() as AddressInfo).port}/stall/never:1` });
    try {
      const t0 = Date.now();
      const r = await cli(['create'], e);
      const took = Date.now() - t0;
      process.stderr.write(`[faults] create with a hanging pull: exit ${r.code} after ${took} ms:\n${r.stderr}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/timed out after 8 s .*(scheduled|pending).*(Downloading image|starting|pull)/is);
      expect(took).toBeLessThan(8_000 + 15_000); // NOMAD_TIMEOUT, plus process start-up on a busy machine
      // Stopped with why, not Busy: DevPod's fork polls a Busy workspace without end. Docker's hung pull keeps the
      // allocation shutting down past the stop; it reads Stopped once NOMAD_TIMEOUT has passed since the stop.
      expect(await statusJson(e)).toMatchObject({
        status: 'Stopped',
        reason: expect.stringMatching(/job stopped after: did not run within NOMAD_TIMEOUT \(8 s\); it was (scheduled|pending)/),
      });
    } finally {
      for (const s of sockets) s.destroy();
      stall.close();
      await cli(['delete'], e);
    }
  }, 180_000);

  it('with every client gone, create fails at once with the reason, and status keeps it', async () => {
    const machine = uniqueId('none');
    for (const c of cluster.clients) await c.kill();
    for (const c of cluster.clients) await c.waitForStatus('down', 30_000);
    const e = env(machine, { NOMAD_TIMEOUT: '8s' });
    const t0 = Date.now();
    const r = await cli(['create'], e);
    const took = Date.now() - t0;
    process.stderr.write(`[faults] create with no clients: exit ${r.code} after ${took} ms:\n${r.stderr}`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot run: task group "workspace" cannot be placed: no client node is available/);
    expect(took).toBeLessThan(8_000);
    expect(await statusJson(e)).toMatchObject({
      status: 'Stopped',
      reason: expect.stringMatching(/^job stopped after: .*no client node is available/),
    });
  }, 180_000);
});
