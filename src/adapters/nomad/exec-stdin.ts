// Our stdin → the exec's stdin frames, across the sessions of one exec (exec.ts runs a session again when Nomad
// ended one before the command started). Bounded: stdin is paused while too many bytes are unacknowledged.
import type { Readable } from 'node:stream';
import { FRAMED_END, frameChunk } from './exec-stdin-frames.js';

/** Unacknowledged stdin bytes above which we stop reading our stdin, and below which we start again. */
const STDIN_HIGH = 4 * 1024 * 1024;
const STDIN_LOW = 1024 * 1024;

/**
 * Our stdin, read from the start and queued until a session takes it: a child process's stdout that ends early is
 * resumed (and its data dropped) by Node when the child exits, and with the start handshake nothing may reach the
 * task before the command starts, so a session Nomad ends before then leaves the whole input for the next one.
 */
export class StdinRelay {
  private readonly queue: { frame: object; bytes: number }[] = [];
  private queued = 0;
  private sink: ((frame: object, bytes: number) => void) | undefined;
  private inFlight: () => number = () => 0;
  private paused = false;
  private readonly cleanup: () => void = () => undefined;

  /** `framed`: each chunk and the end as frames the task's wrapper decodes (exec-stdin-frames.ts). */
  constructor(
    private readonly stdin: Readable | null,
    framed = false,
  ) {
    const end = () => {
      if (framed) this.push({ stdin: { data: FRAMED_END.toString('base64') } }, FRAMED_END.length);
      this.push({ stdin: { close: true } }, 0);
    };
    if (!stdin) {
      end();
      return;
    }
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (!buf.length) return;
      const data = framed ? frameChunk(buf) : buf;
      this.push({ stdin: { data: data.toString('base64') } }, data.length);
    };
    const onEnd = end;
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    this.cleanup = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
    };
  }

  private load(): number {
    return this.sink ? this.inFlight() : this.queued;
  }

  private push(frame: object, bytes: number): void {
    if (this.sink) this.sink(frame, bytes);
    else {
      this.queue.push({ frame, bytes });
      this.queued += bytes;
    }
    if (this.stdin && !this.paused && this.load() > STDIN_HIGH) {
      this.paused = true;
      this.stdin.pause();
    }
  }

  /** Hands the queue, then the rest of stdin, to a session's `send`. */
  attach(send: (frame: object, bytes: number) => void, inFlight: () => number): void {
    this.sink = send;
    this.inFlight = inFlight;
    for (const q of this.queue.splice(0)) send(q.frame, q.bytes);
    this.queued = 0;
    this.relieve();
  }

  detach(): void {
    this.sink = undefined;
  }

  /** Called as sent bytes are acknowledged: reads stdin again once the backlog is small. */
  relieve(): void {
    if (this.paused && this.load() < STDIN_LOW) {
      this.paused = false;
      this.stdin?.resume();
    }
  }

  dispose(): void {
    this.detach();
    this.cleanup();
  }
}
