// Many workspaces' state in three reads: the namespace's devpod-* jobs (with their Meta), allocations and evaluations,
// grouped by job, instead of three reads per workspace. An inspector of 10,000 workspaces made 30,000 reads to start
// (31.9 s, most of it the cost of a request, BENCHMARKS.md); Nomad answers each list with the same objects a job's own
// reads return (test/integration/bulk-snapshot.test.ts).
//
// A bulk read answers only for jobs reserved before it started: their stream frames have been kept since, so every
// change after the read's index reaches their machines, exactly as with their own reads. The list's job stub has every
// field the machine derives from but the task groups, which name the drivers a placement failure is explained with: a
// job whose evaluations carry placement failures is read whole. Each job is answered once; any later read of it (a
// suspected purge, a reconnect) is its own.
import type { NomadClient } from '../../adapters/nomad/client.js';
import type { Allocation, Evaluation, NomadJob } from '../../adapters/nomad/types.js';
import { slimAlloc, slimEval, slimJob, type Snapshot } from '../../machines/facts.js';
import { readSnapshot } from './nomad-actors.js';

/** With fewer workspaces waiting than this, each reads its own state: three lists of the namespace cost more. */
const BULK_AT_LEAST = 8;

interface Bulk {
  /** Reservations made before the read started: those it may answer for. */
  seq: number;
  done: Promise<void>;
  index: number;
  jobs: Map<string, NomadJob>;
  allocs: Map<string, Allocation[]>;
  evals: Map<string, Evaluation[]>;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function grouped<T extends { JobID: string }>(xs: T[], slim: (x: T) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const list = out.get(x.JobID);
    if (list) list.push(slim(x));
    else out.set(x.JobID, [slim(x)]);
  }
  return out;
}

export class BulkSnapshots {
  private seq = 0;
  /** Jobs reserved and not read yet, with their reservation's number. */
  private readonly waiting = new Map<string, number>();
  private bulk?: Bulk;

  /** `prefix`: the job ids a bulk read covers (the workspaces' `devpod-`). */
  constructor(
    private readonly nomad: NomadClient,
    private readonly prefix: string,
  ) {}

  /** The job's frames are kept from now on (SharedEventStream.reserve): a bulk read started after this may answer for it. */
  reserve(jobId: string): void {
    if (!this.waiting.has(jobId)) this.waiting.set(jobId, ++this.seq);
  }

  /** What was read may miss what the stream skipped (a reconnect): no earlier bulk read answers any more. */
  invalidate(): void {
    this.bulk = undefined;
  }

  clear(): void {
    this.waiting.clear();
    this.bulk = undefined;
  }

  /** The job's state: from a bulk read when it may answer for the job, else the job's own three reads. */
  async load(jobId: string, signal?: AbortSignal): Promise<Snapshot> {
    const at = this.waiting.get(jobId);
    if (at !== undefined && jobId.startsWith(this.prefix)) {
      // The caller watches its workspaces in one loop: let it reserve the rest before deciding.
      await new Promise((r) => setImmediate(r));
      if (!this.bulk && this.waiting.size >= BULK_AT_LEAST) this.bulk = this.read();
      const bulk = this.bulk;
      this.waiting.delete(jobId);
      if (bulk && at <= bulk.seq) {
        const snapshot = await bulk.done.then(
          () => this.take(bulk, jobId, signal),
          () => undefined,
        );
        if (snapshot) return snapshot;
      }
    }
    this.waiting.delete(jobId);
    return readSnapshot(this.nomad, jobId, signal);
  }

  private read(): Bulk {
    const filter = `JobID matches ${JSON.stringify(`^${escapeRegex(this.prefix)}`)}`;
    const bulk: Bulk = { seq: this.seq, done: Promise.resolve(), index: 0, jobs: new Map(), allocs: new Map(), evals: new Map() };
    bulk.done = Promise.all([
      this.nomad.jobs.listWithMeta(this.prefix),
      this.nomad.allocations.list(filter),
      this.nomad.evaluations.list(filter),
    ]).then(([jobs, allocs, evals]) => {
      const indexes = [jobs.meta.lastIndex, allocs.meta.lastIndex, evals.meta.lastIndex].filter((i) => i > 0);
      bulk.index = indexes.length ? Math.min(...indexes) : 0;
      for (const j of jobs.data ?? []) if (j.ID.startsWith(this.prefix)) bulk.jobs.set(j.ID, slimJob(j));
      bulk.allocs = grouped(allocs.data ?? [], slimAlloc);
      bulk.evals = grouped(evals.data ?? [], slimEval);
    });
    // A failed bulk read leaves each job to its own reads; the next bulk read may be tried by later reservations.
    bulk.done.catch(() => {
      if (this.bulk === bulk) this.bulk = undefined;
    });
    return bulk;
  }

  private async take(bulk: Bulk, jobId: string, signal?: AbortSignal): Promise<Snapshot> {
    let job: NomadJob | null = bulk.jobs.get(jobId) ?? null;
    const allocs = bulk.allocs.get(jobId) ?? [];
    const evals = bulk.evals.get(jobId) ?? [];
    bulk.jobs.delete(jobId);
    bulk.allocs.delete(jobId);
    bulk.evals.delete(jobId);
    let index = bulk.index;
    if (job && evals.some((e) => e.FailedTGAllocs && Object.keys(e.FailedTGAllocs).length > 0)) {
      const whole = await this.nomad.jobs.read(jobId, signal);
      job = whole.data ?? null;
      if (whole.meta.lastIndex > 0) index = Math.min(index, whole.meta.lastIndex);
    }
    return { job, allocs, evals, index };
  }
}
