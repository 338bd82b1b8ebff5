// The inspector's one shared event-stream subscription, driven through a stand-in Nomad client whose stream and
// reads the test controls: routing by job, frames kept while a machine reads its snapshot, reads after a reconnect,
// discovery of new jobs, and a refused subscription. The real stream is exercised in test/integration/inspector.
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { NomadError } from '../../src/adapters/nomad/errors.js';
import type { Allocation, NomadJob } from '../../src/adapters/nomad/types.js';
import { NAMESPACE_TOPICS, SharedEventStream, splitByJob } from '../../src/workspace/lifecycle/shared-stream.js';
import { leafState, workspaceMachine } from '../../src/machines/workspace.js';
import { alloc, allocEvent, evalEvent, evaluation, frame, job } from '../helpers/facts.js';
import { standIn } from '../helpers/stream-stand-in.js';

const jobOf = (id: string, o: Parameters<typeof job>[0] = {}): NomadJob => ({ ...job(o), ID: id });
const allocOf = (id: string, a: Allocation): Allocation => ({ ...a, JobID: id, ID: `${id}-${a.ID}` });
const registered = (j: NomadJob, index: number) => ({ Topic: 'Job', Type: 'JobRegistered', Key: j.ID, Index: index, Payload: { Job: j } });
const settle = () => new Promise((r) => setTimeout(r, 5));

/** A shared stream over the stand-in, its subscription live (as the inspector has it before it watches anything). */
async function liveStream(n: ReturnType<typeof standIn>, opts?: ConstructorParameters<typeof SharedEventStream>[1]) {
  const stream = new SharedEventStream(n.nomad, opts);
  const live = stream.start();
  await n.subscribed(false);
  await live;
  return stream;
}

function follow(stream: SharedEventStream, jobId: string) {
  stream.reserve(jobId);
  const actor = createActor(workspaceMachine.provide({ actors: stream.actors() }), { input: { jobId } }).start();
  return { actor, state: () => leafState(actor.getSnapshot().value) };
}

describe('one event-stream subscription shared by many workspace machines', () => {
  it("splits a frame by job, keeping each job's events in order", () => {
    const a1 = allocOf('a', alloc('running', 'run', 'running', { id: '1' }));
    const parts = splitByJob(
      frame(30, [
        registered(jobOf('b'), 30),
        allocEvent(a1, 30),
        evalEvent({ ...evaluation(), JobID: 'b' }),
        { Topic: 'Node', Type: 'NodeRegistration', Key: 'n', Index: 30, Payload: {} },
      ]),
    );
    expect([...parts.keys()]).toEqual(['b', 'a']);
    expect(parts.get('b')!.Events.map((e) => e.Topic)).toEqual(['Job', 'Evaluation']);
    expect(parts.get('a')).toEqual({ Index: 30, Events: [allocEvent(a1, 30)] });
  });

  it("subscribes once, to the whole namespace, and routes each job's events to its machine only", async () => {
    const n = standIn();
    n.jobs.set('a', { job: jobOf('a'), allocs: [] });
    n.jobs.set('b', { job: jobOf('b'), allocs: [] });
    const stream = await liveStream(n);
    const a = follow(stream, 'a');
    const b = follow(stream, 'b');
    await settle();
    expect([a.state(), b.state()]).toEqual(['pending', 'pending']);
    expect(a.actor.getSnapshot().context.stream.state).toBe('live');

    n.push(
      frame(21, [
        allocEvent(allocOf('a', alloc('running', 'run', 'running', { id: '1', modifyIndex: 21 })), 21),
        allocEvent(allocOf('z', alloc('failed', 'run', 'failed', { id: '9', modifyIndex: 21 })), 21),
      ]),
    );
    expect([a.state(), b.state()]).toEqual(['running', 'pending']);
    n.push(frame(22, [allocEvent(allocOf('b', alloc('pending', 'run', 'pending', { id: '2', modifyIndex: 22 })), 22)]));
    expect([a.state(), b.state()]).toEqual(['running', 'scheduled']);
    expect(n.follows()).toBe(1);
    expect(n.topics()).toEqual(NAMESPACE_TOPICS);
    expect(Object.keys(b.actor.getSnapshot().context.view.allocs)).toEqual(['b-2']);
    a.actor.stop();
    b.actor.stop();
    stream.stop();
  });

  it('keeps the frames that arrive while a machine reads its snapshot, and applies those the snapshot lacks', async () => {
    const n = standIn();
    n.jobs.set('a', { job: jobOf('a'), allocs: [] });
    let open!: () => void;
    n.gates.set('a', new Promise<void>((r) => (open = r)));
    const stream = await liveStream(n);
    const a = follow(stream, 'a');
    await settle();
    expect(a.state()).toBe('hydrating');
    // Nomad answers the reads as of index 20; index 21 happened after them and reaches us only on the stream.
    n.push(frame(21, [allocEvent(allocOf('a', alloc('running', 'run', 'running', { id: '1', modifyIndex: 21 })), 21)]));
    open();
    await settle();
    expect(a.state()).toBe('running');
    expect(a.actor.getSnapshot().context).toMatchObject({ lastIndex: 21, snapshotIndex: 20 });
    a.actor.stop();
    stream.stop();
  });

  it('after a reconnect, every machine reads its state again and hears the stream was down and is live', async () => {
    const n = standIn();
    n.jobs.set('a', { job: jobOf('a'), allocs: [allocOf('a', alloc('running', 'run', 'running', { id: '1' }))] });
    n.jobs.set('b', { job: jobOf('b'), allocs: [] });
    const stream = await liveStream(n);
    const a = follow(stream, 'a');
    const b = follow(stream, 'b');
    await settle();
    expect([a.state(), b.state()]).toEqual(['running', 'pending']);
    n.disconnect();
    expect(a.actor.getSnapshot().context.stream).toMatchObject({ state: 'down', error: 'Nomad closed the event stream', reconnects: 1 });
    // Meanwhile a was stopped and b placed; the events are gone, the reads after the reconnect carry them.
    n.jobs.set('a', {
      job: jobOf('a', { stop: true, modifyIndex: 30 }),
      allocs: [allocOf('a', alloc('complete', 'stop', 'done', { id: '1', modifyIndex: 31 }))],
    });
    n.jobs.set('b', { job: jobOf('b'), allocs: [allocOf('b', alloc('running', 'run', 'running', { id: '2', modifyIndex: 32 }))] });
    n.setIndex(32);
    n.reads.length = 0;
    await n.subscribed(true);
    await settle();
    expect(n.reads.sort()).toEqual(['a', 'b']);
    expect([a.state(), b.state()]).toEqual(['stopped', 'running']);
    expect(b.actor.getSnapshot().context.stream.state).toBe('live');
    a.actor.stop();
    b.actor.stop();
    stream.stop();
  });

  it('offers jobs registered after it started, and only on their registration', async () => {
    const n = standIn();
    const offered: string[] = [];
    const stream = await liveStream(n, { onNewJob: (id) => offered.push(id) });
    n.push(frame(21, [allocEvent(allocOf('x', alloc('running', 'run', 'running', { id: '1', modifyIndex: 21 })), 21)]));
    n.push(frame(22, [registered(jobOf('devpod-new'), 22), { ...registered(jobOf('other'), 22), Type: 'JobDeregistered' }]));
    expect(offered).toEqual(['devpod-new']);
    stream.stop();
  });

  it('rejects start() when Nomad refuses the subscription, and its machines become unreachable with the reason', async () => {
    const n = standIn();
    n.jobs.set('a', { job: jobOf('a'), allocs: [] });
    const stream = new SharedEventStream(n.nomad);
    const live = stream.start();
    stream.reserve('a');
    const a = follow(stream, 'a');
    await settle();
    n.refuse(new NomadError('forbidden', 'the token needs the "read-job" capability in namespace "default"'));
    await expect(live).rejects.toThrow(/read-job/);
    await settle();
    expect(a.state()).toBe('unreachable');
    expect(a.actor.getSnapshot().context.error).toMatch(/read-job/);
    stream.stop();
  });
});
