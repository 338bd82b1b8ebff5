// One event-stream subscription for many workspace machines (the inspector follows hundreds): Nomad's Job,
// Allocation and Evaluation topics of the whole namespace, routed to each machine by job id. A subscription per
// machine costs a connection, a socket buffer and a decoder each; 1,000 of them held 200 MB of RSS before a single
// event arrived (BENCHMARKS.md, inspector at scale).
//
// Nothing is lost between a machine's snapshot and its first routed frame: the subscription is live before any
// snapshot is read (start() resolves at its first heartbeat), and the frames of a job are kept from reserve() — called
// before its snapshot is read — until its machine follows; the machine drops those its snapshot already holds. After
// a reconnect, every machine reads its state again, since Nomad may no longer hold what happened meanwhile.
import { fromCallback, fromPromise } from 'xstate';
import type { NomadClient } from '../../adapters/nomad/client.js';
import type { StreamEvent, StreamFrame } from '../../adapters/nomad/types.js';
import { readSnapshot, type ActorOptions, type nomadActors } from './nomad-actors.js';
import { mayHidePurge, slimFrame, type Snapshot } from '../../machines/facts.js';
import { BulkSnapshots } from './bulk-snapshot.js';
import type { FollowInput, WorkspaceEvent } from '../../machines/workspace.js';

/** Every job of the namespace, where nomad-actors' jobTopics names one. */
export const NAMESPACE_TOPICS = ['Job', 'Allocation', 'Evaluation'];

/** The job an event is about, or undefined for topics a workspace does not follow. */
export function jobOf(ev: StreamEvent): string | undefined {
  switch (ev.Topic) {
    case 'Job':
      return ev.Payload.Job?.ID ?? ev.Key;
    case 'Allocation':
      return ev.Payload.Allocation?.JobID;
    case 'Evaluation':
      return ev.Payload.Evaluation?.JobID;
    default:
      return undefined;
  }
}

/** A frame split into one frame per job, each with that job's events in their order, at the frame's index. */
export function splitByJob(frame: StreamFrame): Map<string, StreamFrame> {
  const out = new Map<string, StreamFrame>();
  for (const ev of frame.Events) {
    const job = jobOf(ev);
    if (job === undefined) continue;
    const part = out.get(job);
    if (part) part.Events.push(ev);
    else out.set(job, { Index: frame.Index, Events: [ev] });
  }
  return out;
}

type Sink = (event: WorkspaceEvent) => void;

interface Route {
  /** The machine following this job, once it is in `observing`. */
  sink?: Sink;
  /** Frames that arrived while the machine was still reading its snapshot. */
  buffer: StreamFrame[];
  /** The machine must read its state again (the stream reconnected since its snapshot). */
  stale: boolean;
  /** Highest Index of a Job event routed for this job (see mayHidePurge). */
  jobSeenAt: number;
}

export interface SharedStreamOptions extends Pick<ActorOptions, 'backoff' | 'idleTimeoutMs'> {
  /** Snapshot reads after a reconnect, at most this many at once (default 32). */
  readsAtOnce?: number;
  /** A job nobody reserved was registered: the caller may start following it (reserve() inside keeps its frame). */
  onNewJob?: (jobId: string) => void;
  /** The machines' first reads of jobs with this id prefix are answered by a few reads of them all (bulk-snapshot.ts). */
  bulkReadPrefix?: string;
}

export class SharedEventStream {
  private readonly routes = new Map<string, Route>();
  private readonly ctl = new AbortController();
  private live = false;
  private down?: string;
  private failed?: string;
  /** Jobs waiting for a re-read, in order (a Set: 1,000 machines queue at once after a reconnect). */
  private readonly reads = new Set<string>();
  private reading = 0;
  private readonly snapshots?: BulkSnapshots;

  constructor(
    private readonly nomad: NomadClient,
    private readonly opts: SharedStreamOptions = {},
  ) {
    if (opts.bulkReadPrefix !== undefined) this.snapshots = new BulkSnapshots(nomad, opts.bulkReadPrefix);
  }

  /** Subscribes; resolves when the subscription is live, rejects when Nomad refuses it (e.g. no read-job). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.nomad.events
        .follow(
          { topics: NAMESPACE_TOPICS, shape: slimFrame, backoff: this.opts.backoff, idleTimeoutMs: this.opts.idleTimeoutMs },
          {
            onSubscribed: ({ resumed }) => {
              this.live = true;
              this.down = undefined;
              this.broadcast({ type: 'stream.live' });
              if (resumed) {
                this.snapshots?.invalidate();
                for (const [jobId, route] of this.routes) {
                  route.stale = true;
                  if (route.sink) this.resync(jobId);
                }
              }
              resolve();
            },
            onFrame: (frame) => this.route(frame),
            onDisconnected: ({ error }) => {
              this.live = false;
              this.down = error.message;
              this.broadcast({ type: 'stream.down', error: error.message });
            },
          },
          this.ctl.signal,
        )
        .catch((err: Error) => {
          this.failed = err.message;
          this.broadcast({ type: 'stream.failed', error: err.message });
          reject(err);
        });
    });
  }

  /** From now on the frames of `jobId` are kept for its machine: call it before the machine reads its snapshot. */
  reserve(jobId: string): void {
    if (this.routes.has(jobId)) return;
    this.routes.set(jobId, { buffer: [], stale: false, jobSeenAt: 0 });
    this.snapshots?.reserve(jobId);
  }

  /** The workspace machine's actors for this stream: its own snapshot read, and following through the shared stream. */
  actors(): ReturnType<typeof nomadActors> {
    return {
      loadSnapshot: fromPromise<Snapshot, { jobId: string }>(({ input, signal }) =>
        this.snapshots ? this.snapshots.load(input.jobId, signal) : readSnapshot(this.nomad, input.jobId, signal),
      ),
      followEvents: fromCallback<WorkspaceEvent, FollowInput>(({ input, sendBack }) => this.attach(input.jobId, sendBack)),
    };
  }

  stop(): void {
    this.ctl.abort();
    this.routes.clear();
    this.reads.clear();
    this.snapshots?.clear();
  }

  private attach(jobId: string, sink: Sink): () => void {
    this.reserve(jobId);
    const route = this.routes.get(jobId)!;
    route.sink = sink;
    if (this.failed) sink({ type: 'stream.failed', error: this.failed });
    else if (this.live) sink({ type: 'stream.live' });
    else if (this.down) sink({ type: 'stream.down', error: this.down });
    const kept = route.buffer.splice(0);
    for (const frame of kept) sink({ type: 'nomad.frame', frame });
    if (route.stale) this.resync(jobId);
    return () => {
      if (this.routes.get(jobId) === route) this.routes.delete(jobId);
    };
  }

  private route(frame: StreamFrame): void {
    for (const [jobId, part] of splitByJob(frame)) {
      let route = this.routes.get(jobId);
      if (!route && this.opts.onNewJob && part.Events.some((e) => e.Topic === 'Job' && e.Type === 'JobRegistered')) {
        this.opts.onNewJob(jobId);
        route = this.routes.get(jobId);
      }
      if (!route) continue;
      if (route.sink) route.sink({ type: 'nomad.frame', frame: part });
      else route.buffer.push(part);
      if (route.sink && mayHidePurge(part, route.jobSeenAt)) this.resync(jobId);
      if (part.Events.some((e) => e.Topic === 'Job')) route.jobSeenAt = part.Index;
    }
  }

  private broadcast(event: WorkspaceEvent): void {
    for (const route of this.routes.values()) route.sink?.(event);
  }

  /** Reads the job's state again and hands it to its machine, a bounded number of reads at a time. */
  private resync(jobId: string): void {
    this.reads.add(jobId);
    this.nextReads();
  }

  private nextReads(): void {
    const atOnce = this.opts.readsAtOnce ?? 32;
    for (const jobId of this.reads) {
      if (this.reading >= atOnce) break;
      this.reads.delete(jobId);
      const route = this.routes.get(jobId);
      if (!route?.sink) continue;
      this.reading++;
      route.stale = false;
      readSnapshot(this.nomad, jobId, this.ctl.signal)
        .then((snapshot) => this.routes.get(jobId)?.sink?.({ type: 'nomad.snapshot', snapshot }))
        // Unread: still stale, read again at the next reconnect; the stream itself carries what changes from now on.
        .catch(() => {
          if (this.routes.get(jobId) === route) route.stale = true;
        })
        .finally(() => {
          this.reading--;
          this.nextReads();
        });
    }
  }
}
