// The event-stream decoder, fed the same bytes cut at random places: the frames that come out never depend on
// where the cuts fell, and garbage lines are reported in-band without stopping the stream.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNdjsonDecoder, type DecodedLine } from '../../src/adapters/nomad/ndjson.js';
import { cutAt } from '../helpers/chunks.js';

const frameArb = fc.record({
  Index: fc.nat({ max: 1_000_000 }),
  Events: fc.array(
    fc.record({
      Topic: fc.constantFrom('Job', 'Allocation', 'Evaluation'),
      Type: fc.constantFrom('JobRegistered', 'PlanResult', 'AllocationUpdated'),
      Key: fc.string({ unit: 'grapheme', maxLength: 12 }),
      Index: fc.nat(),
      Payload: fc.record({ Note: fc.string({ unit: 'grapheme', maxLength: 40 }) }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

type Line = { kind: 'frame'; value: object } | { kind: 'heartbeat' } | { kind: 'garbage'; text: string };

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { weight: 5, arbitrary: frameArb.map((value) => ({ kind: 'frame' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'heartbeat' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('not json', '{"Index":', '[1,2]', '"text"', '{"Index":"x","Events":[{}]}', 'nul\u0000l', '{"Events":5,"Index":1}')
      .map((text) => ({ kind: 'garbage' as const, text })),
  },
);

function encode(lines: Line[], lastNewline: boolean): Buffer {
  const text = lines.map((l) => (l.kind === 'frame' ? JSON.stringify(l.value) : l.kind === 'heartbeat' ? '{}' : l.text)).join('\n');
  return Buffer.from(lastNewline ? `${text}\n` : text, 'utf8');
}

function decodeAll(chunks: Buffer[]): DecodedLine[] {
  const d = createNdjsonDecoder();
  return [...chunks.flatMap((c) => d.push(c)), ...d.end()];
}

describe('NDJSON decoder for the Nomad event stream', () => {
  it('yields the same frames, heartbeats and garbage reports wherever the byte stream is cut', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (lines, cuts, lastNewline) => {
        const out = decodeAll(cutAt(encode(lines, lastNewline), cuts));
        expect(out.map((l) => l.kind)).toEqual(lines.map((l) => l.kind));
        const frames = out.flatMap((l) => (l.kind === 'frame' ? [l.frame] : []));
        expect(frames).toEqual(lines.flatMap((l) => (l.kind === 'frame' ? [l.value] : [])));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes a multi-byte character split across two chunks', () => {
    const bytes = Buffer.from('{"Index":7,"Events":[{"Topic":"Job","Key":"ü-日本","Payload":{}}]}\n', 'utf8');
    const split = bytes.indexOf(0xe6) + 1; // inside 日
    const out = decodeAll([bytes.subarray(0, split), bytes.subarray(split)]);
    expect(out).toHaveLength(1);
    expect(out[0]!.kind === 'frame' && out[0]!.frame.Events[0]!.Key).toBe('ü-日本');
  });

  it('treats {} and an empty Events list as heartbeats, and blank lines as nothing', () => {
    const out = decodeAll([Buffer.from('{}\n\n  \n{"Index":3,"Events":[]}\n{"Index":4,"Events":null}\n')]);
    expect(out.map((l) => l.kind)).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
  });

  it('reports a garbage line with the reason and keeps decoding the lines after it', () => {
    const out = decodeAll([Buffer.from('oops\n{"Index":1,"Events":[{"Topic":"Job"}]}\n')]);
    expect(out[0]).toMatchObject({ kind: 'garbage', line: 'oops' });
    expect(out[1]).toMatchObject({ kind: 'frame', frame: { Index: 1 } });
  });

  it('hands each frame through the shape as its line is parsed, and leaves heartbeats and garbage as they are', () => {
    const d = createNdjsonDecoder((f) => ({ Index: f.Index * 10, Events: [] }));
    const out = [...d.push(Buffer.from('{"Index":2,"Events":[{"Topic":"Job"}]}\n{}\nnope\n{"Index":3,')), ...d.push('"Events":[{}]}'), ...d.end()];
    expect(out).toEqual([
      { kind: 'frame', frame: { Index: 20, Events: [] } },
      { kind: 'heartbeat' },
      expect.objectContaining({ kind: 'garbage', line: 'nope' }),
      { kind: 'frame', frame: { Index: 30, Events: [] } },
    ]);
  });
});
