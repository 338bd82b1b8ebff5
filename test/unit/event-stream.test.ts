// How the event-stream adapter hands lines on: Nomad 1.11 writes the job and the evaluation of one registration as
// two lines of one Raft index, and lines read together at one index are one apply, so they come out as one frame.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventStream } from '../../src/adapters/nomad/events.js';
import { NomadHttp } from '../../src/adapters/nomad/http.js';
import type { StreamFrame } from '../../src/adapters/nomad/types.js';

const line = (index: number, ...topics: string[]) =>
  `${JSON.stringify({ Index: index, Events: topics.map((Topic) => ({ Topic, Type: 'T', Key: 'k', Index: index, Payload: {} })) })}\n`;

/** Frames handed on for a stream read in these chunks. */
async function framesOf(chunks: string[]): Promise<StreamFrame[]> {
  const http = new NomadHttp({ address: 'http://127.0.0.1:1', skipVerify: false });
  http.stream = async () => Readable.from(chunks.map((c) => Buffer.from(c)));
  const frames: StreamFrame[] = [];
  const ctl = new AbortController();
  await new EventStream(http).follow(
    { topics: ['Job'] },
    {
      onFrame: (f) => frames.push(f),
      onDisconnected: () => ctl.abort(),
    },
    ctl.signal,
  );
  return frames;
}

describe('the event-stream adapter', () => {
  it('hands on lines of one index read together as one frame, their events in order', async () => {
    const frames = await framesOf([`{}\n${line(5, 'Job')}${line(5, 'Evaluation', 'Job')}${line(6, 'Allocation')}`]);
    expect(frames.map((f) => [f.Index, f.Events.map((e) => e.Topic)])).toEqual([
      [5, ['Job', 'Evaluation', 'Job']],
      [6, ['Allocation']],
    ]);
  });

  it('hands on the rest of an apply read later as a frame of its own, at the same index', async () => {
    const frames = await framesOf([`{}\n${line(5, 'Job')}`, line(5, 'Evaluation'), line(4, 'Job')]);
    expect(frames.map((f) => [f.Index, f.Events.map((e) => e.Topic)])).toEqual([
      [5, ['Job']],
      [5, ['Evaluation']],
    ]);
  });
});
