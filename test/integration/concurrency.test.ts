// Many DevPod processes at once on the production-shaped cluster (one server, two clients, ACLs, mutual TLS, a token
// from the shipped policy, the docker driver on a real engine): 20 workspaces created, stopped, started and deleted
// concurrently, each command its own provider process, and two creates of the same machine racing. What DevPod would
// see (exit codes, the status word) is asserted, and then Nomad's and Docker's side of it: one job per workspace, one
// running allocation per running workspace, and nothing left running once they are stopped or deleted.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { dockerCli } from '../harness/docker-engine.js';
import { NomadApiError, type SecureCluster } from '../harness/nomad-cluster.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { uniqueId } from '../helpers/jobs.js';
import { startProviderCluster, type ProviderCluster } from '../helpers/provider-cluster.js';

const WORKSPACES = 20;
/**
 * Twenty node processes starting at once on a two-core machine: each needs a few seconds of CPU before it sends its
 * first request, so the provider's wait gets more room than the helper's 60 s default.
 */
const NOMAD_TIMEOUT = '180s';
const docker = dockerCli(inject('dockerEndpoint'));
/** Every job of this file starts with this (its machines are `<prefix>-<n>`). */
const prefix = uniqueId('conc');
let setup: ProviderCluster;
let cluster: SecureCluster;

interface JobStub {
  ID: string;
  Status: string;
  Stop: boolean;
}
interface AllocStub {
  ID: string;
  JobID: string;
  NodeName?: string;
  DesiredStatus: string;
  ClientStatus: string;
}

beforeAll(async () => {
  setup = await startProviderCluster();
  cluster = setup.cluster;
}, 180_000);

afterAll(async () => {
  if (cluster) {
    const left = await jobs().catch(() => [] as JobStub[]);
    await Promise.all(left.map((j) => cluster.api('DELETE', `/v1/job/${j.ID}?purge=true`).catch(() => undefined)));
  }
  await setup?.stop();
}, 120_000);

/** DevPod's environment for a machine: TLS, the policy token, the docker driver, resources small enough for 20. */
const env = (machine: string) => setup.env(machine, { NOMAD_MEMORYMB: '32', NOMAD_CPU: '20', NOMAD_TIMEOUT });

/** The jobs of machines `<p>-…` as the management API lists them. */
const jobs = (p = prefix) => cluster.api<JobStub[]>('GET', `/v1/jobs?prefix=${encodeURIComponent(`devpod-${p}-`)}`);
/** Every allocation of the jobs of machines `<p>-…` (terminal ones included, until Nomad collects them). */
const allocs = async (p = prefix) => (await cluster.api<AllocStub[]>('GET', '/v1/allocations')).filter((a) => a.JobID.startsWith(`devpod-${p}-`));
/** Names of the running containers on the engine (which the other test files' agents share). */
const runningContainers = () => new Set(docker(['ps', '--format', '{{.Names}}']).split('\n').filter(Boolean));

/**
 * Runs one provider command per machine, all at once (a process each): the results by machine, the wall time of the
 * whole phase, and the fastest and slowest process.
 */
async function everyone(args: string[], machines: string[]) {
  const t0 = performance.now();
  const out = await Promise.all(
    machines.map(async (m) => {
      const start = performance.now();
      const r = await cli(args, env(m));
      return { m, r, seconds: (performance.now() - start) / 1000 };
    }),
  );
  const each = out.map((o) => o.seconds).sort((x, y) => x - y);
  return { results: new Map(out.map((o) => [o.m, o.r])), seconds: (performance.now() - t0) / 1000, fastest: each[0]!, slowest: each.at(-1)! };
}

/** The machines whose command did not exit 0, with the end of what they said (an empty list when all did). */
const failuresOf = (results: Map<string, CliResult>) =>
  [...results].filter(([, r]) => r.code !== 0).map(([m, r]) => `${m}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);

/** The status word DevPod reads, per machine. */
const wordsOf = (results: Map<string, CliResult>) => Object.fromEntries([...results].map(([m, r]) => [m, r.stdout.toString().trim()]));
const every = (machines: string[], word: string) => Object.fromEntries(machines.map((m) => [m, word]));

/** Allocations Nomad has running (or wants running) for this file's jobs, by job. */
const liveByJob = (all: AllocStub[]) => {
  const by = new Map<string, AllocStub[]>();
  for (const a of all) {
    if (a.DesiredStatus !== 'run' && a.ClientStatus !== 'running' && a.ClientStatus !== 'pending') continue;
    by.set(a.JobID, [...(by.get(a.JobID) ?? []), a]);
  }
  return by;
};

/** Exactly one job per workspace, none missing, none extra, with their Stop flag. */
async function expectOneJobEach(jobIds: string[], stop: boolean, p = prefix) {
  const list = await jobs(p);
  expect(list.map((j) => j.ID).sort()).toEqual([...jobIds].sort());
  expect(list.filter((j) => j.Stop !== stop).map((j) => `${j.ID} Stop=${j.Stop}`)).toEqual([]);
}

/** One running allocation per job (and nothing else live), each with its running container and no other. */
async function expectRunningOnce(jobIds: string[], p = prefix) {
  const all = await allocs(p);
  const live = liveByJob(all);
  const shape = (as: AllocStub[] | undefined) => (as ?? []).map((a) => `${a.DesiredStatus}/${a.ClientStatus}`);
  expect(Object.fromEntries(jobIds.map((j) => [j, shape(live.get(j))]))).toEqual(Object.fromEntries(jobIds.map((j) => [j, ['run/running']])));
  const containers = runningContainers();
  const expected = jobIds.map((j) => `workspace-${live.get(j)![0]!.ID}`).sort();
  expect(
    all
      .map((a) => `workspace-${a.ID}`)
      .filter((n) => containers.has(n))
      .sort(),
  ).toEqual(expected);
  return live;
}

/**
 * None of these allocations running or wanted running, and none of their containers running. Allocations are passed
 * in, not listed: a purge removes a job's allocations from Nomad's API at once (GET /v1/allocation/<id> is a 404),
 * while the client may still be stopping their containers.
 */
async function expectNothingRunning(allocIds: string[]) {
  const seen = await Promise.all(
    allocIds.map((id) =>
      cluster.api<AllocStub>('GET', `/v1/allocation/${id}`).then(
        (a) =>
          a.DesiredStatus === 'run' || ['running', 'pending'].includes(a.ClientStatus)
            ? `${id.slice(0, 8)} ${a.DesiredStatus}/${a.ClientStatus}`
            : undefined,
        (err: unknown) => (err instanceof NomadApiError && err.status === 404 ? undefined : Promise.reject(err)),
      ),
    ),
  );
  expect(seen.filter(Boolean)).toEqual([]);
  const containers = runningContainers();
  expect(allocIds.map((id) => `workspace-${id}`).filter((n) => containers.has(n))).toEqual([]);
}

describe('concurrent DevPod processes on a secure cluster with the docker driver', () => {
  it(`${WORKSPACES} workspaces created, stopped, started and deleted concurrently by separate processes`, async () => {
    const machines = Array.from({ length: WORKSPACES }, (_, i) => `${prefix}-${i + 1}`);
    const jobIds = machines.map(jobIdFor);
    expect(new Set(jobIds).size).toBe(WORKSPACES);
    const timings: string[] = [];
    const phase = async (args: string[]) => {
      const { results, seconds, fastest, slowest } = await everyone(args, machines);
      timings.push(`${args.join(' ')} ${WORKSPACES}: ${seconds.toFixed(1)} s (each ${fastest.toFixed(1)}–${slowest.toFixed(1)} s)`);
      expect(failuresOf(results)).toEqual([]);
      return results;
    };
    const status = async (word: string) => expect(wordsOf(await phase(['status']))).toEqual(every(machines, word));

    try {
      await phase(['create']);
      await expectOneJobEach(jobIds, false);
      const placed = await expectRunningOnce(jobIds);
      const allocIds = (live: Map<string, AllocStub[]>) => [...live.values()].flat().map((a) => a.ID);
      const perNode = new Map<string, number>();
      for (const [, [a]] of placed) perNode.set(a!.NodeName ?? '?', (perNode.get(a!.NodeName ?? '?') ?? 0) + 1);
      timings.push(`placed ${[...perNode].map(([n, c]) => `${c} on ${n.replace(/^.*-(client-\d+)$/, '$1')}`).join(', ')}`);
      await status('Running');

      await phase(['stop']);
      await expectOneJobEach(jobIds, true);
      await expectNothingRunning([...new Set([...allocIds(placed), ...(await allocs()).map((a) => a.ID)])]);
      await status('Stopped');

      await phase(['start']);
      await expectOneJobEach(jobIds, false);
      const restarted = await expectRunningOnce(jobIds);
      await status('Running');

      await phase(['delete']);
      // What DevPod was told is gone is gone: no job, and nothing of it still running in Nomad or Docker.
      expect(await jobs()).toEqual([]);
      await expectNothingRunning(allocIds(restarted));
      await status('NotFound');
    } finally {
      process.stderr.write(`[concurrency] ${timings.join('; ')}\n`);
    }
  }, 900_000);

  it('two creates of the same machine at once both succeed onto one job with one allocation', async () => {
    // Its own prefix: what the first test may have left behind does not count here.
    const p = uniqueId('conc-twice');
    const machine = `${p}-1`;
    const jobId = jobIdFor(machine);
    try {
      const [a, b] = await Promise.all([cli(['create'], env(machine)), cli(['create'], env(machine))]);
      for (const r of [a, b]) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/running on node \S+-client-\d/);
      }
      // Which way each went (both are right): registered the job itself, or found it registered and waited for it.
      const way = (r: CliResult) => (/already registered; waiting/.test(r.stderr) ? 'joined the other' : 'registered');
      process.stderr.write(`[concurrency] same machine twice: ${way(a)}, ${way(b)}\n`);
      await expectOneJobEach([jobId], false, p);
      expect((await allocs(p)).map((x) => `${x.DesiredStatus}/${x.ClientStatus}`)).toEqual(['run/running']);
      const live = await expectRunningOnce([jobId], p);
      expect((await cli(['status'], env(machine))).stdout.toString()).toBe('Running\n');

      expect((await cli(['delete'], env(machine))).code).toBe(0);
      expect(await jobs(p)).toEqual([]);
      await expectNothingRunning(live.get(jobId)!.map((a) => a.ID));
      expect((await cli(['status'], env(machine))).stdout.toString()).toBe('NotFound\n');
    } finally {
      await cluster.api('DELETE', `/v1/job/${jobId}?purge=true`).catch(() => undefined);
    }
  }, 300_000);
});
