// GET /v1/event/stream: NDJSON frames, one connection at a time (open) or followed across disconnects (follow).
//
// Nomad silently restarts from its oldest buffered batch when asked for an index it no longer holds, and a topic
// filter makes index gaps normal, so a gap cannot be detected from the stream itself. Instead, follow() calls
// onSubscribed after every (re)subscription is live (first heartbeat seen); the caller re-reads current state
// there. State read after subscribing + events after it = nothing lost; resuming after the last index seen =
// nothing applied twice. Within one connection, a line may repeat the Index of the line before it (Nomad 1.11 writes
// a job registration's job and evaluation as two lines of one Raft index): those are one apply, and both pass (as one
// frame when they arrive in one read).
import type { Readable } from 'node:stream';
import { NomadError } from './errors.js';
import type { NomadHttp } from './http.js';
import { createNdjsonDecoder, type DecodedLine, type FrameShape } from './ndjson.js';
import type { StreamFrame } from './types.js';

export interface SubscribeOptions {
  /** `Topic:Key` filters, e.g. `Job:ws-1`, `Allocation:ws-1`; bare `Topic` means every key. */
  topics: string[];
  /** First Raft index wanted (inclusive). */
  index?: number;
  /** Applied to each frame as soon as its line is parsed (e.g. keep only the fields the reader uses). */
  shape?: FrameShape;
}

export interface FollowOptions extends SubscribeOptions {
  /** Reconnect backoff: first delay, doubled per failed attempt up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** With no line at all for this long the connection is presumed dead (Nomad sends `{}` every 30 s). */
  idleTimeoutMs?: number;
}

export interface FollowHandlers {
  onFrame(frame: StreamFrame): void;
  /** Called once per live subscription, before any of its frames; `resumed` is false for the first. */
  onSubscribed?(info: { resumed: boolean; fromIndex: number }): Promise<void> | void;
  onDisconnected?(info: { error: NomadError; attempt: number; retryInMs: number }): void;
}

/** Refusals in a row tolerated once a subscription has been live (a restarting server), with the usual backoff. */
const REFUSALS_AFTER_LIVE = 8;

export class EventStream {
  constructor(private readonly http: NomadHttp) {}

  /** One subscription: yields the decoded lines of each chunk read until Nomad closes the stream or `signal` aborts. */
  async *open(opts: SubscribeOptions, signal?: AbortSignal): AsyncGenerator<DecodedLine[]> {
    const query = new URLSearchParams();
    for (const t of opts.topics) query.append('topic', t);
    if (opts.index !== undefined) query.set('index', String(opts.index));
    const body: Readable = await this.http.stream(`/v1/event/stream?${query.toString()}`, { signal, capability: 'read-job' });
    const decoder = createNdjsonDecoder(opts.shape);
    try {
      for await (const chunk of body) yield decoder.push(chunk as Buffer);
      yield decoder.end();
    } catch (err) {
      throw this.http.transportError(err, 'GET', '/v1/event/stream');
    } finally {
      body.destroy();
    }
  }

  /**
   * Follows the stream across disconnects until `signal` aborts. Resolves on abort; rejects only on errors that
   * retrying cannot fix (permission denied, bad request).
   */
  async follow(opts: FollowOptions, handlers: FollowHandlers, signal: AbortSignal): Promise<void> {
    const { initialMs, maxMs } = opts.backoff ?? { initialMs: 100, maxMs: 5_000 };
    const idleMs = opts.idleTimeoutMs ?? 45_000;
    let lastIndex = (opts.index ?? 1) - 1;
    let attempt = 0;
    let subscriptions = 0;
    let refusedAfterLive = 0;

    while (!signal.aborted) {
      const conn = new AbortController();
      const abortConn = () => conn.abort();
      signal.addEventListener('abort', abortConn, { once: true });
      let idle: NodeJS.Timeout | undefined;
      const kick = () => {
        clearTimeout(idle);
        idle = setTimeout(() => conn.abort(new Error('idle')), idleMs);
      };
      let error: NomadError | undefined;
      let live = false;
      /** The Index of the last frame of this connection: a further line at it is the rest of the same apply. */
      let connIndex = -1;
      try {
        kick();
        for await (const lines of this.open({ topics: opts.topics, index: lastIndex + 1, shape: opts.shape }, conn.signal)) {
          if (lines.length === 0) continue;
          kick();
          if (!live) {
            live = true;
            attempt = 0;
            await handlers.onSubscribed?.({ resumed: subscriptions > 0, fromIndex: lastIndex + 1 });
            subscriptions++;
          }
          // Lines of one Index that arrive together are one apply: handed on as one frame, so the machines take one
          // step for it rather than one per line. A line that is not a frame (decoded as garbage) proves the connection
          // alive and is otherwise skipped.
          let held: StreamFrame | undefined;
          for (const line of lines) {
            if (line.kind !== 'frame' || (line.frame.Index <= lastIndex && line.frame.Index !== connIndex)) continue;
            lastIndex = connIndex = line.frame.Index;
            if (held?.Index === line.frame.Index) held.Events.push(...line.frame.Events);
            else {
              if (held) handlers.onFrame(held);
              held = line.frame;
            }
          }
          if (held) handlers.onFrame(held);
        }
        // Nomad 1.11+ answers a refused subscription with 200 and then closes it without the first heartbeat.
        const ns = this.http.conn.namespace ?? 'default';
        if (live) error = new NomadError('unreachable', 'Nomad closed the event stream');
        else if (subscriptions > 0) error = new NomadError('unreachable', 'Nomad closed the event stream before its first heartbeat');
        else
          error = new NomadError(
            'forbidden',
            `Nomad closed the event stream before its first heartbeat, which is how it refuses a subscription: the token needs the "read-job" capability in namespace "${ns}".`,
          );
      } catch (err) {
        error = err instanceof NomadError ? err : this.http.transportError(err, 'GET', '/v1/event/stream');
        if (error.kind === 'aborted' && !signal.aborted) error = new NomadError('unreachable', `event stream idle for ${idleMs} ms`);
      } finally {
        clearTimeout(idle);
        signal.removeEventListener('abort', abortConn);
      }
      if (signal.aborted) return;
      // A refusal before any subscription was live is the token's answer. After one was, a server that restarts
      // can refuse a valid token until it has restored its ACL state (seen on Nomad 1.6): retried a few times.
      const settling = error.kind === 'forbidden' && subscriptions > 0 && ++refusedAfterLive <= REFUSALS_AFTER_LIVE;
      if ((error.kind === 'forbidden' && !settling) || error.kind === 'badRequest') throw error;
      if (live) refusedAfterLive = 0;
      attempt++;
      const retryInMs = Math.min(maxMs, initialMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      handlers.onDisconnected?.({ error, attempt, retryInMs });
      await sleep(retryInMs, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
