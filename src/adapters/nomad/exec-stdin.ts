// Our stdin → the exec's stdin frames, across the sessions of one exec (exec.ts runs a session again when Nomad
// ended one before the command started). Bounded: stdin is paused while too many bytes are unacknowledged.
//
// Reads are coalesced: a read that comes while the socket is idle goes out at once (a keystroke is not delayed),
// and what is read while earlier frames are still being written waits and goes out as one frame of up to
// FRAME_MAX bytes. Every frame costs Nomad a JSON decode, a msgpack hop and a gRPC message to the task driver, and
// us a websocket send; with 64 KiB frames (a pipe's reads) those costs were a large part of moving bytes in.
import type { Readable } from 'node:stream';
import { FRAMED_END, frameChunk } from './exec-stdin-frames.js';

/** Unacknowledged stdin bytes above which we stop reading our stdin, and below which we start again. */
const STDIN_HIGH = 4 * 1024 * 1024;
const STDIN_LOW = 1024 * 1024;

/**
 * Stdin bytes in one frame at most: far below the 4 MiB a gRPC message to a driver plugin (podman's, the executor
 * of raw_exec and exec) may carry once base64 has grown it by a third.
 */
export const FRAME_MAX = 256 * 1024;

const PREFIX = Buffer.from('{"stdin":{"data":"');
const SUFFIX = Buffer.from('"}}');

/**
 * `{"stdin":{"data":"<base64>"}}` as the bytes of a text frame, built without JSON.stringify: ws would copy a
 * string into a Buffer again before masking it, and base64 needs no escaping in JSON.
 */
export function stdinFrame(data: Buffer): Buffer {
  const b64 = data.toString('base64');
  const frame = Buffer.allocUnsafe(PREFIX.length + b64.length + SUFFIX.length);
  PREFIX.copy(frame, 0);
  frame.write(b64, PREFIX.length, 'latin1');
  SUFFIX.copy(frame, PREFIX.length + b64.length);
  return frame;
}

/** Where frames go: a session's send, `bytes` being what counts against the bound until the send completes. */
export type StdinSink = (frame: Buffer | string, bytes: number) => void;

/**
 * Our stdin, read from the start and held until a session takes it: a child process's stdout that ends early is
 * resumed (and its data dropped) by Node when the child exits, and with the start handshake nothing may reach the
 * task before the command starts, so a session Nomad ends before then leaves the whole input for the next one.
 */
export class StdinRelay {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private endSent = false;
  private sink: StdinSink | undefined;
  private inFlight: () => number = () => 0;
  private paused = false;
  private readonly cleanup: () => void = () => undefined;

  /** `framed`: each frame's bytes and the end as the task's wrapper decodes them (exec-stdin-frames.ts). */
  constructor(
    private readonly stdin: Readable | null,
    private readonly framed = false,
  ) {
    if (!stdin) {
      this.ended = true;
      return;
    }
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (!buf.length) return;
      this.pending.push(buf);
      this.pendingBytes += buf.length;
      this.flush(this.idle());
      this.bound();
    };
    const onEnd = () => {
      this.ended = true;
      this.flush(true);
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    this.cleanup = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
    };
  }

  /** Hands what was read so far, then the rest of stdin, to a session's `send`. */
  attach(send: StdinSink, inFlight: () => number): void {
    this.sink = send;
    this.inFlight = inFlight;
    this.flush(true);
    this.relieve();
  }

  detach(): void {
    this.sink = undefined;
  }

  /** Called as sent bytes are acknowledged: sends what waited once the socket is idle, reads stdin again once the backlog is small. */
  relieve(): void {
    if (this.idle()) this.flush(true);
    if (this.paused && this.load() < STDIN_LOW) {
      this.paused = false;
      this.stdin?.resume();
    }
  }

  dispose(): void {
    this.detach();
    this.cleanup();
  }

  private idle(): boolean {
    return this.sink !== undefined && this.inFlight() === 0;
  }

  private load(): number {
    return (this.sink ? this.inFlight() : 0) + this.pendingBytes;
  }

  private bound(): void {
    if (this.stdin && !this.paused && this.load() > STDIN_HIGH) {
      this.paused = true;
      this.stdin.pause();
    }
  }

  /** Sends full frames, and with `all` the rest too (and the end, once stdin ended); nothing while detached. */
  private flush(all: boolean): void {
    const send = this.sink;
    if (!send) return;
    while (this.pendingBytes >= FRAME_MAX || (all && this.pendingBytes > 0)) {
      const data = this.take(Math.min(this.pendingBytes, FRAME_MAX));
      const bytes = this.framed ? frameChunk(data) : data;
      send(stdinFrame(bytes), bytes.length);
    }
    if (this.ended && !this.endSent && this.pendingBytes === 0) {
      this.endSent = true;
      if (this.framed) send(stdinFrame(FRAMED_END), FRAMED_END.length);
      send('{"stdin":{"close":true}}', 0);
    }
  }

  /** The first `n` pending bytes, as one Buffer. */
  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const head = this.pending[0]!;
      const want = n - got;
      if (head.length <= want) {
        parts.push(head);
        this.pending.shift();
        got += head.length;
      } else {
        parts.push(head.subarray(0, want));
        this.pending[0] = head.subarray(want);
        got += want;
      }
    }
    this.pendingBytes -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }
}
