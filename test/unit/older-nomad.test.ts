// What Nomad before 1.7 does differently, and what the provider does about it (seen running the suite on 1.6):
// a purge emits no Job event, a purged job's allocations stay listed under a re-created namesake's ID, the event
// stream refuses a token with HTTP 500 "Permission denied", and a restarting server may refuse a valid token for a
// moment. The real agent covers each end to end (lifecycle, native, client-errors); these pin the rules.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventStream } from '../../src/adapters/nomad/events.js';
import { NomadError } from '../../src/adapters/nomad/errors.js';
import { NomadHttp } from '../../src/adapters/nomad/http.js';
import { applySnapshot, emptyView, mayHidePurge } from '../../src/machines/facts.js';
import { derive } from '../../src/machines/phase.js';
import { alloc, allocEvent, evalEvent, evaluation, frame, job, JOB, jobEvent, NOW } from '../helpers/facts.js';

const O = { now: NOW, stableMs: 10_000, crashLoopRestarts: 3 };

describe('a purge without a Job event', () => {
  const deregister = { ...evaluation({ createIndex: 30 }), TriggeredBy: 'job-deregister' };
  it('a deregistration evaluation alone may hide a purge: the job is read again', () => {
    expect(mayHidePurge(frame(30, [evalEvent(deregister)]))).toBe(true);
  });
  it('with its Job event (a stop, or any purge on 1.7+) nothing needs reading', () => {
    expect(mayHidePurge(frame(30, [jobEvent(job({ stop: true, modifyIndex: 30 }), 'JobDeregistered', 30), evalEvent(deregister)]))).toBe(false);
  });
  it('a deregistration evaluation whose Job event was seen at or after its creation needs no read (Nomad 1.11 writes that event on the line before)', () => {
    expect(mayHidePurge(frame(30, [evalEvent(deregister)]), 30)).toBe(false);
    expect(mayHidePurge(frame(33, [evalEvent({ ...deregister, Status: 'complete', ModifyIndex: 33 })]), 30)).toBe(false);
    expect(mayHidePurge(frame(30, [evalEvent(deregister)]), 29)).toBe(true);
  });
  it('other evaluations and frames need nothing', () => {
    expect(mayHidePurge(frame(30, [evalEvent({ ...evaluation({ createIndex: 30 }), TriggeredBy: 'job-register' })]))).toBe(false);
    expect(mayHidePurge(frame(31, [allocEvent(alloc('running', 'run'))]))).toBe(false);
  });
});

describe("a job registered again under a purged job's ID", () => {
  it("is judged by its own allocations and evaluations, not the purged instance's", () => {
    // The purged instance ran (created at 12) and failed; the new instance (created at 40) is waiting for placement.
    const old = alloc('failed', 'run', 'failed', { createIndex: 12, modifyIndex: 20 });
    const fresh = { ...job(), CreateIndex: 40, ModifyIndex: 40 };
    const view = applySnapshot(emptyView(JOB), {
      job: fresh,
      allocs: [old],
      evals: [evaluation({ createIndex: 11, failedMemory: true })],
      index: 41,
    });
    expect(derive(view, O)).toEqual({ phase: 'pending', reason: 'waiting for the scheduler to place the job' });
    // The same facts for the instance that made them: failed.
    const same = applySnapshot(emptyView(JOB), { job: { ...job(), CreateIndex: 10 }, allocs: [old], evals: [], index: 41 });
    expect(derive(same, O).phase).toBe('failed');
  });
});

/** An HTTP core whose stream() answers from a script: a live stream (one heartbeat, then closed or held), or a refusal. */
function scriptedHttp(script: Array<'live-then-close' | 'live' | 'refused'>) {
  const http = new NomadHttp({ address: 'http://127.0.0.1:1', skipVerify: false });
  let calls = 0;
  http.stream = async (_path, opts = {}) => {
    const step = script[Math.min(calls++, script.length - 1)];
    if (step === 'refused')
      throw new NomadError(
        'forbidden',
        'Nomad refused GET /v1/event/stream (500 Permission denied). The token in NOMAD_TOKEN needs the "read-job" capability in namespace "default".',
        500,
      );
    if (step === 'live-then-close') return Readable.from([Buffer.from('{}\n')]);
    const body = new PassThrough();
    body.write('{}\n');
    opts.signal?.addEventListener('abort', () => body.end(), { once: true });
    return body;
  };
  return { http, calls: () => calls };
}

describe('a refused subscription', () => {
  it('is final at once when no subscription was ever live (the token lacks read-job)', async () => {
    const { http, calls } = scriptedHttp(['refused']);
    const err = await new EventStream(http)
      .follow({ topics: ['Job:x'], backoff: { initialMs: 1, maxMs: 2 } }, { onFrame: () => undefined }, new AbortController().signal)
      .catch((e: unknown) => e);
    expect((err as NomadError).kind).toBe('forbidden');
    expect(calls()).toBe(1);
  });

  it('after a live subscription, is retried while a restarting server settles, and the stream goes on', async () => {
    const { http, calls } = scriptedHttp(['live-then-close', 'refused', 'refused', 'refused', 'live']);
    const ctl = new AbortController();
    const subscribed: boolean[] = [];
    const followed = new EventStream(http).follow(
      { topics: ['Job:x'], backoff: { initialMs: 1, maxMs: 2 } },
      {
        onFrame: () => undefined,
        onSubscribed: ({ resumed }) => {
          subscribed.push(resumed);
          if (subscribed.length === 2) ctl.abort();
        },
      },
      ctl.signal,
    );
    await expect(followed).resolves.toBeUndefined();
    expect([subscribed, calls()]).toEqual([[false, true], 5]);
  });

  it('after a live subscription, is final once the refusals go on (the token was revoked)', async () => {
    const { http, calls } = scriptedHttp(['live-then-close', 'refused']);
    const err = await new EventStream(http)
      .follow({ topics: ['Job:x'], backoff: { initialMs: 1, maxMs: 2 } }, { onFrame: () => undefined }, new AbortController().signal)
      .catch((e: unknown) => e);
    expect((err as NomadError).kind).toBe('forbidden');
    expect(calls()).toBe(1 + 9);
  });
});
