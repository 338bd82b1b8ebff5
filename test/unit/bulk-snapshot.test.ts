// The inspector's first reads of many workspaces answered by three lists of them all (bulk-snapshot.ts), through a
// stand-in client that counts what is read: who may be answered by a bulk read, what each answer holds, and when a
// job is read on its own instead. The real Nomad's lists are checked in test/integration/bulk-snapshot.test.ts.
import { describe, expect, it } from 'vitest';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import type { Allocation, Evaluation, NomadJob } from '../../src/adapters/nomad/types.js';
import { BulkSnapshots } from '../../src/workspace/lifecycle/bulk-snapshot.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `devpod-${i}`);
const job = (id: string): NomadJob =>
  ({
    ID: id,
    Name: id,
    Type: 'service',
    Status: 'running',
    Stop: false,
    Meta: { m: id },
    CreateIndex: 5,
    ModifyIndex: 6,
    JobModifyIndex: 6,
  }) as NomadJob;
const alloc = (jobId: string): Allocation =>
  ({
    ID: `${jobId}-a`,
    JobID: jobId,
    ClientStatus: 'running',
    DesiredStatus: 'run',
    CreateIndex: 7,
    ModifyIndex: 8,
    Resources: { CPU: 1 },
  }) as Allocation;
const evaluation = (jobId: string, failed = false): Evaluation => ({
  ID: `${jobId}-e`,
  JobID: jobId,
  Status: 'complete',
  TriggeredBy: 'job-register',
  CreateIndex: 5,
  ModifyIndex: 6,
  ...(failed ? { FailedTGAllocs: { workspace: { ConstraintFiltered: { 'missing drivers': 1 } } } } : {}),
});

/** A client over `present` jobs (`failing` ones with a placement failure); counts every read by path. */
function client(present: string[], opts: { failing?: string[]; listsFail?: boolean } = {}) {
  const reads: string[] = [];
  const meta = (lastIndex: number) => ({ lastIndex });
  const answer = <T>(path: string, data: T, index: number) => {
    reads.push(path);
    return opts.listsFail && !path.startsWith('/v1/job/') ? Promise.reject(new Error('list refused')) : Promise.resolve({ data, meta: meta(index) });
  };
  const whole = (id: string) => ({ ...job(id), TaskGroups: [{ Name: 'workspace', Tasks: [{ Name: 'dev', Driver: 'docker' }] }] }) as NomadJob;
  const nomad = {
    jobs: {
      listWithMeta: (prefix: string) => answer(`/v1/jobs?prefix=${prefix}&meta=true`, present.map(job), 30),
      read: (id: string) => answer(`/v1/job/${id}`, present.includes(id) ? whole(id) : undefined, 40),
      allocations: (id: string) => answer(`/v1/job/${id}/allocations`, present.includes(id) ? [alloc(id)] : [], 41),
      evaluations: (id: string) => answer(`/v1/job/${id}/evaluations`, present.includes(id) ? [evaluation(id, opts.failing?.includes(id))] : [], 42),
    },
    allocations: { list: (filter: string) => answer(`/v1/allocations?filter=${filter}`, present.map(alloc), 20) },
    evaluations: {
      list: (filter: string) =>
        answer(
          `/v1/evaluations?filter=${filter}`,
          present.map((id) => evaluation(id, opts.failing?.includes(id))),
          25,
        ),
    },
  } as unknown as NomadClient;
  return { nomad, reads };
}

describe('bulk snapshot reads for many workspaces', () => {
  it('answers every workspace reserved before it with three lists, each with its own objects and the lowest index', async () => {
    const c = client(ids(10));
    const bulk = new BulkSnapshots(c.nomad, 'devpod-');
    for (const id of ids(10)) bulk.reserve(id);
    const snaps = await Promise.all(ids(10).map((id) => bulk.load(id)));
    expect(c.reads.sort()).toEqual([
      '/v1/allocations?filter=JobID matches "^devpod-"',
      '/v1/evaluations?filter=JobID matches "^devpod-"',
      '/v1/jobs?prefix=devpod-&meta=true',
    ]);
    expect(snaps[3]).toMatchObject({
      job: { ID: 'devpod-3', Meta: { m: 'devpod-3' } },
      allocs: [{ ID: 'devpod-3-a' }],
      evals: [{ ID: 'devpod-3-e' }],
      index: 20,
    });
    // Slimmed as the stream's facts are.
    expect(snaps[3]!.allocs[0]).not.toHaveProperty('Resources');
  });

  it('says a workspace missing from the list has no job', async () => {
    const c = client(ids(9));
    const bulk = new BulkSnapshots(c.nomad, 'devpod-');
    for (const id of ids(10)) bulk.reserve(id);
    const snaps = await Promise.all(ids(10).map((id) => bulk.load(id)));
    expect(snaps[9]).toEqual({ job: null, allocs: [], evals: [], index: 20 });
  });

  it('reads whole the job of a workspace whose evaluation failed to place it, for the drivers that explain why', async () => {
    const c = client(ids(10), { failing: ['devpod-4'] });
    const bulk = new BulkSnapshots(c.nomad, 'devpod-');
    for (const id of ids(10)) bulk.reserve(id);
    const snaps = await Promise.all(ids(10).map((id) => bulk.load(id)));
    expect(c.reads.filter((r) => r.startsWith('/v1/job/'))).toEqual(['/v1/job/devpod-4']);
    expect(snaps[4]!.job!.TaskGroups).toEqual([{ Name: 'workspace', Tasks: [{ Name: 'dev', Driver: 'docker' }] }]);
    expect(snaps[4]!.index).toBe(20);
  });

  it('leaves to their own reads: a few workspaces, one reserved after the bulk read began, a second read, and all when the lists fail', async () => {
    const few = client(ids(3));
    const small = new BulkSnapshots(few.nomad, 'devpod-');
    for (const id of ids(3)) small.reserve(id);
    await Promise.all(ids(3).map((id) => small.load(id)));
    expect(few.reads).toHaveLength(9);
    expect(few.reads.every((r) => r.startsWith('/v1/job/'))).toBe(true);

    const c = client(ids(11));
    const bulk = new BulkSnapshots(c.nomad, 'devpod-');
    for (const id of ids(10)) bulk.reserve(id);
    const first = Promise.all(ids(10).map((id) => bulk.load(id)));
    await new Promise((r) => setImmediate(r));
    bulk.reserve('devpod-10');
    const late = await bulk.load('devpod-10');
    await first;
    expect(late.index).toBe(40);
    await bulk.load('devpod-2');
    expect(c.reads.filter((r) => r.startsWith('/v1/job/')).sort()).toEqual([
      '/v1/job/devpod-10',
      '/v1/job/devpod-10/allocations',
      '/v1/job/devpod-10/evaluations',
      '/v1/job/devpod-2',
      '/v1/job/devpod-2/allocations',
      '/v1/job/devpod-2/evaluations',
    ]);

    const failing = client(ids(10), { listsFail: true });
    const refused = new BulkSnapshots(failing.nomad, 'devpod-');
    for (const id of ids(10)) refused.reserve(id);
    const snaps = await Promise.all(ids(10).map((id) => refused.load(id)));
    expect(snaps[0]).toMatchObject({ job: { ID: 'devpod-0' }, index: 40 });
  });
});
