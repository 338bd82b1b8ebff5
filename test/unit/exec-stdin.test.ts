// Our stdin as exec frames (exec-stdin.ts), against a sink that acknowledges sends when the test says: what is read
// on an idle socket goes out at once, what is read while frames are being written goes out together in frames of
// at most FRAME_MAX bytes, the end follows the last byte, and nothing goes out before a session takes the stdin.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FRAME_MAX, StdinRelay, stdinFrame } from '../../src/adapters/nomad/exec-stdin.js';

interface Sent {
  data?: Buffer;
  close?: boolean;
}

/** A session's send: frames are written (and acknowledged) only when `ack` is called. */
function session(relay: StdinRelay) {
  const sent: Sent[] = [];
  let unacked = 0;
  const send = (frame: Buffer | string, bytes: number) => {
    const f = JSON.parse(frame.toString()) as { stdin: { data?: string; close?: boolean } };
    sent.push(f.stdin.data !== undefined ? { data: Buffer.from(f.stdin.data, 'base64') } : { close: f.stdin.close });
    unacked += bytes;
  };
  return {
    sent,
    attach: () => relay.attach(send, () => unacked),
    ack: () => {
      unacked = 0;
      relay.relieve();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('stdin frames', () => {
  it('are the JSON Nomad reads, the bytes base64-encoded', () => {
    expect(stdinFrame(Buffer.from('hi\n')).toString()).toBe(JSON.stringify({ stdin: { data: Buffer.from('hi\n').toString('base64') } }));
  });

  it('a read on an idle socket goes out at once; reads while it is being written wait and go out as one frame', async () => {
    const stdin = new PassThrough();
    const relay = new StdinRelay(stdin);
    const s = session(relay);
    s.attach();
    stdin.write('a');
    await tick();
    expect(s.sent).toEqual([{ data: Buffer.from('a') }]);
    stdin.write('b');
    stdin.write('c');
    await tick();
    expect(s.sent).toHaveLength(1);
    s.ack();
    expect(s.sent).toEqual([{ data: Buffer.from('a') }, { data: Buffer.from('bc') }]);
    relay.dispose();
  });

  it('what waits goes out in frames of at most FRAME_MAX bytes, in order, then the end', async () => {
    const stdin = new PassThrough();
    const relay = new StdinRelay(stdin);
    const s = session(relay);
    s.attach();
    stdin.write('x');
    await tick();
    const rest = Buffer.alloc(FRAME_MAX * 2 + 10);
    for (let i = 0; i < rest.length; i++) rest[i] = i % 251;
    for (let o = 0; o < rest.length; o += 65536) stdin.write(rest.subarray(o, o + 65536));
    stdin.end();
    await new Promise((r) => stdin.once('end', r));
    s.ack();
    const data = s.sent.filter((f) => f.data).map((f) => f.data!);
    expect(data.map((d) => d.length)).toEqual([1, FRAME_MAX, FRAME_MAX, 10]);
    expect(Buffer.concat(data).equals(Buffer.concat([Buffer.from('x'), rest]))).toBe(true);
    expect(s.sent.at(-1)).toEqual({ close: true });
    relay.dispose();
  });

  it('nothing goes out before a session takes the stdin; then all of it, framed for the wrapper, and its end', async () => {
    const stdin = new PassThrough();
    const relay = new StdinRelay(stdin, true);
    stdin.write('abc');
    stdin.end('de');
    await tick();
    const s = session(relay);
    s.attach();
    expect(s.sent).toEqual([{ data: Buffer.from('5\nabcde') }, { data: Buffer.from('0\n') }, { close: true }]);
    relay.dispose();
  });
});
