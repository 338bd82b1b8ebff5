// Nomad's exec frames → our stdout and stderr, and the session's outcome from them. The session (exec-session.ts)
// hands every frame here; with markers, the start and end markers (exec-trailer.ts) are taken off the output, and
// the end of a chunk that may be the start of a marker is held back until a ping's round trip (exec-pulse.ts) shows
// that Nomad sent nothing more: frames that arrive far apart (a slow network, our own backpressure) then never
// make a trailer look like output, and an interactive stream still gets its bytes.
import type { Writable } from 'node:stream';
import { HOLD_BACK_MS, ReadyScanner, TrailerScanner, type SessionMarkers } from './exec-trailer.js';

/** Exit code when the command ran but its output did not arrive whole, or the connection was lost (as ssh's 255). */
export const OUTPUT_LOST_EXIT = 255;

/** Output bytes waiting for our stdout or stderr above which we stop reading the socket. */
const OUTPUT_HIGH = 64 * 1024 * 1024;

/** A frame Nomad sends (drivers.ExecTaskStreamingResponseMsg as JSON; data is base64). */
export interface ServerFrame {
  stdout?: { data?: string; close?: boolean };
  stderr?: { data?: string; close?: boolean };
  exited?: boolean;
  result?: { exit_code?: number; signal?: number; oom_killed?: boolean };
}

/** How a session ended: the command's exit code, or (markers only) an end before the command started. */
export type Outcome = { kind: 'exited'; code: number } | { kind: 'notStarted'; code: number };

export interface OutputHooks {
  /** Stop and start reading the socket (backpressure from our stdout and stderr). */
  pause(): void;
  resume(): void;
  /** Calls `fn` once every frame Nomad sent so far has arrived; `cancel` forgets it. */
  afterRoundTrip(fn: () => void): void;
  cancel(): void;
  /** The ready marker arrived (markers only): the command may now start. */
  onReady(): void;
}

export const lostMessage = (why: string) => Buffer.from(`devpod-provider-nomad: ${why}; exiting ${OUTPUT_LOST_EXIT}\n`);

export class ExecOutput {
  private readonly scan: { ready: ReadyScanner; stdout: TrailerScanner; stderr: TrailerScanner } | undefined;
  private readonly waiting = new Set<Writable>();
  private holdTimer: NodeJS.Timeout | undefined;
  /** Some output arrived (without markers: the only sign that the command started). */
  any = false;

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
    markers: SessionMarkers | undefined,
    private readonly hooks: OutputHooks,
  ) {
    this.scan = markers
      ? { ready: new ReadyScanner(markers.ready), stdout: new TrailerScanner(markers.end, true), stderr: new TrailerScanner(markers.end, false) }
      : undefined;
  }

  /** False while we wait for our stdout or stderr to drain, and so do not read the socket. */
  get reading(): boolean {
    return this.waiting.size === 0;
  }

  /** Whether the command is known to have started: its ready marker arrived (markers), or any output (without). */
  get started(): boolean {
    return this.scan ? this.scan.ready.ready : this.any;
  }

  /** Takes one frame; the outcome once the session has one. Throws when the wrapper printed something else first. */
  take(frame: ServerFrame): Outcome | undefined {
    this.quiet();
    const scan = this.scan;
    if (frame.stdout?.data) {
      this.any = true;
      const bytes = this.afterReady(Buffer.from(frame.stdout.data, 'base64'));
      this.write(this.stdout, scan ? scan.stdout.push(bytes) : bytes);
    }
    if (frame.stderr?.data) {
      this.any = true;
      const bytes = Buffer.from(frame.stderr.data, 'base64');
      this.write(this.stderr, scan ? scan.stderr.push(bytes) : bytes);
    }
    if (scan?.stdout.done && scan.stderr.done) return this.trailersArrived(scan.stdout.code ?? 0, scan.stdout.leaked + scan.stderr.leaked);
    if (scan && (scan.stdout.holding || scan.stderr.holding)) {
      this.holdTimer = setTimeout(() => this.hooks.afterRoundTrip(() => this.release()), HOLD_BACK_MS);
    }
    if (frame.exited) return this.exited(frame.result?.exit_code ?? 0);
    return undefined;
  }

  /** Held-back bytes go out: the connection is ending without more frames. */
  release(): void {
    if (!this.scan) return;
    this.write(this.stdout, this.scan.stdout.flush());
    this.write(this.stderr, this.scan.stderr.flush());
  }

  /** A note for the person on our stderr, after the command's own. */
  note(bytes: Buffer): void {
    this.stderr.write(bytes);
  }

  stop(): void {
    this.quiet();
  }

  private quiet(): void {
    clearTimeout(this.holdTimer);
    this.hooks.cancel();
  }

  private trailersArrived(code: number, leaked: number): Outcome {
    if (!leaked) return { kind: 'exited', code };
    this.note(
      lostMessage(
        `the command exited ${code}, but ${leaked} bytes of its end-of-output marker were passed on as output before the rest of the marker arrived (Nomad answered a ping in between, so the frames were held up beyond Nomad's HTTP agent)`,
      ),
    );
    return { kind: 'exited', code: OUTPUT_LOST_EXIT };
  }

  private exited(code: number): Outcome {
    if (!this.scan) return { kind: 'exited', code };
    if (!this.scan.ready.ready) return { kind: 'notStarted', code };
    this.release();
    this.note(lostMessage(`the command's output is incomplete: Nomad ended the exec (exit ${code}) before its end-of-output marker arrived`));
    return { kind: 'exited', code: OUTPUT_LOST_EXIT };
  }

  /** Stdout bytes with the ready marker taken off the front; tells the session once it is whole. */
  private afterReady(bytes: Buffer): Buffer {
    if (!this.scan || this.scan.ready.ready) return bytes;
    const rest = this.scan.ready.push(bytes);
    if (this.scan.ready.ready) this.hooks.onReady();
    return rest;
  }

  // Read the socket as fast as it comes, and stop only when OUTPUT_HIGH bytes wait for our stdout or stderr, so
  // memory stays bounded. Stopping sooner loses output on Nomad's docker driver: its ExecTaskStreaming reports the
  // exit as soon as Docker says the process ended and closes the output while Docker still holds what a slow
  // reader has not taken yet (seen in test/integration/docker-driver.test.ts).
  private write(out: Writable, bytes: Buffer): void {
    if (bytes.length) out.write(bytes);
    if (out.writableLength > OUTPUT_HIGH && !this.waiting.has(out)) {
      // Frames already received still arrive while paused; one drain listener per stream is enough.
      this.waiting.add(out);
      this.hooks.pause();
      out.once('drain', () => {
        this.waiting.delete(out);
        if (this.waiting.size === 0) this.hooks.resume();
      });
    }
  }
}
