// The inspector's bulk reads on the real Nomad 1.6.1 (src/workspace/lifecycle/bulk-snapshot.ts): the job list with
// `meta=true`, and the namespace's allocations and evaluations with a `JobID matches` filter, answer for each job with
// what its own three reads say — the same allocation stubs, the same evaluations, every job field the machine derives
// from — and nothing of other jobs. bench/inspector-replay.ts serves these lists the same way.
import { afterAll, describe, expect, it } from 'vitest';
import { slimAlloc, slimEval, slimJob, type Snapshot } from '../../src/machines/facts.js';
import { BulkSnapshots } from '../../src/workspace/lifecycle/bulk-snapshot.js';
import { readSnapshot } from '../../src/workspace/lifecycle/nomad-actors.js';
import { sharedClient, testJob, uniqueId } from '../helpers/jobs.js';

const nomad = sharedClient();
const prefix = `${uniqueId('devpod-bulk')}-`;
const running = [1, 2, 3, 4, 5, 6].map((n) => `${prefix}run-${n}`);
const unplaceable = `${prefix}nodriver`;
const purged = `${prefix}purged`;
const never = `${prefix}never`;
const all = [...running, unplaceable, purged, never];

afterAll(async () => {
  await Promise.all(all.map((id) => nomad.jobs.purge(id).catch(() => undefined)));
});

/** What the machine keeps of a snapshot, objects in id order (a job's task groups aside: the list has none). */
function kept(s: Snapshot, withTaskGroups: boolean) {
  const job = s.job && slimJob(s.job);
  if (job && !withTaskGroups) {
    delete job.TaskGroups;
    delete job.Version;
  }
  const byId = <T extends { ID: string }>(xs: T[]) => [...xs].sort((a, b) => a.ID.localeCompare(b.ID));
  return { job, allocs: byId(s.allocs.map(slimAlloc)), evals: byId(s.evals.map(slimEval)) };
}

async function bulkRead(): Promise<Map<string, Snapshot>> {
  const bulk = new BulkSnapshots(nomad, prefix);
  for (const id of all) bulk.reserve(id);
  const snaps = await Promise.all(all.map((id) => bulk.load(id)));
  return new Map(all.map((id, i) => [id, snaps[i]!]));
}

describe('bulk snapshot reads on a real agent', () => {
  it("answers for each job with what the job's own reads say", async () => {
    await Promise.all([
      ...running.map((id) => nomad.jobs.register({ ...testJob(id), Meta: { devpod_machine_id: id } })),
      nomad.jobs.register(testJob(unplaceable, { driver: 'nosuchdriver' })),
    ]);
    await nomad.jobs.register(testJob(purged));
    await nomad.jobs.purge(purged);
    // Settled: every running job's allocation is running and its deployment done, the unplaceable one has failed to place.
    await expect
      .poll(
        async () => {
          const snaps = await Promise.all([...running, unplaceable].map((id) => readSnapshot(nomad, id)));
          return snaps.every((s, i) =>
            i < running.length ? s.allocs.some((a) => a.ClientStatus === 'running') : s.evals.some((e) => e.FailedTGAllocs),
          );
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);

    // Read both ways until they agree on every object (a deployment's last update may land in between); the
    // assertions below then show what differs if they never do.
    let bulk!: Map<string, Snapshot>;
    let own!: Map<string, Snapshot>;
    const same = (id: string) => JSON.stringify(kept(bulk.get(id)!, id === unplaceable)) === JSON.stringify(kept(own.get(id)!, id === unplaceable));
    for (let round = 0; round < 20; round++) {
      bulk = await bulkRead();
      own = new Map(await Promise.all(all.map(async (id) => [id, await readSnapshot(nomad, id)] as const)));
      if (all.every(same)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    for (const id of all) {
      expect(kept(bulk.get(id)!, id === unplaceable), id).toEqual(kept(own.get(id)!, id === unplaceable));
      expect(bulk.get(id)!.index).toBeGreaterThan(0);
    }
    const run = bulk.get(running[0]!)!;
    expect(run.job).toMatchObject({ ID: running[0], Status: 'running', Stop: false, Type: 'service' });
    expect(run.allocs[0]!.TaskStates?.workspace?.State).toBe('running');
    // The unplaceable job was read whole: its drivers explain the failure.
    expect(bulk.get(unplaceable)!.job!.TaskGroups?.[0]?.Tasks[0]?.Driver).toBe('nosuchdriver');
    expect(bulk.get(purged)!.job).toBeNull();
    expect(bulk.get(never)).toMatchObject({ job: null, allocs: [], evals: [] });
  });

  it('lists only the jobs the prefix names', async () => {
    const filter = `JobID matches "^${prefix}"`;
    const [jobs, allocs, evals] = await Promise.all([
      nomad.jobs.listWithMeta(prefix),
      nomad.allocations.list(filter),
      nomad.evaluations.list(filter),
    ]);
    expect(jobs.data.length).toBeGreaterThan(0);
    for (const x of [...jobs.data.map((j) => j.ID), ...allocs.data.map((a) => a.JobID), ...evals.data.map((e) => e.JobID)])
      expect(x.startsWith(prefix)).toBe(true);
    expect(jobs.data.find((j) => j.ID === running[0])?.Meta).toEqual({ devpod_machine_id: running[0] });
  });
});
