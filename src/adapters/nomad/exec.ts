// Running a command in an allocation over Nomad's exec websocket (/v1/client/allocation/<id>/exec), byte-exact:
// stdin, stdout and stderr travel base64-encoded in JSON frames, stdin EOF is passed on as {"stdin":{"close":true}},
// and the remote exit code comes back in the final {"exited":true} frame (exit_code omitted when 0).
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import {
  HOLD_BACK_MS, NOT_STARTED_EXIT, newMarkers, ReadyScanner, TrailerScanner, trailerCommand, type SessionMarkers,
} from './exec-trailer.js';
import { NomadError, type NomadHttp } from './http.js';

export interface ExecRequest {
  allocId: string;
  task: string;
  command: string[];
  tty: boolean;
  stdin: Readable | null;
  stdout: Writable;
  stderr: Writable;
  /** Initial terminal size, and a way to learn of later ones (tty only). */
  size?: () => { rows: number; cols: number } | undefined;
  onResize?: (notify: () => void) => () => void;
  /**
   * Run under the start handshake and end-of-output trailers (see exec-trailer.ts): for task drivers whose exec
   * can end early or lose the end of the output (docker). Ignored with a TTY; needs /bin/sh in the task.
   */
  trailers?: boolean;
  /** Told when Nomad ended a session before the command started, and it is run again (trailers only). */
  onRestart?: (attempt: number) => void;
}

/** Exit code when the command ran but Nomad ended the session before all of its output arrived (as ssh's 255). */
export const OUTPUT_LOST_EXIT = 255;
/** Sessions Nomad may end before the command starts (its docker exec race) before we give up. */
const MAX_STARTS = 5;

interface ServerFrame {
  stdout?: { data?: string; close?: boolean };
  stderr?: { data?: string; close?: boolean };
  exited?: boolean;
  result?: { exit_code?: number; signal?: number; oom_killed?: boolean };
}

type Outcome = { kind: 'exited'; code: number } | { kind: 'notStarted'; code: number };

/** Unacknowledged stdin bytes above which we stop reading our stdin, and below which we start again. */
const STDIN_HIGH = 4 * 1024 * 1024;
const STDIN_LOW = 1024 * 1024;
/** Output bytes waiting for our stdout or stderr above which we stop reading the socket. */
const OUTPUT_HIGH = 64 * 1024 * 1024;
/** Nomad's own client sends a heartbeat every 10 s. */
const HEARTBEAT_MS = 10_000;

/** Runs the command and resolves with its exit code once every byte of its output has been written. */
export async function execInAllocation(http: NomadHttp, req: ExecRequest): Promise<number> {
  const input = new StdinRelay(req.stdin);
  try {
    if (!req.trailers || req.tty) return (await session(http, req, input)).code;
    for (let attempt = 1; ; attempt++) {
      const outcome = await session(http, req, input, newMarkers());
      if (outcome.kind === 'exited') return outcome.code;
      // The wrapper never got the nonce, so the command did not run: running it again is safe.
      if (outcome.code !== 0 && outcome.code !== NOT_STARTED_EXIT) {
        throw new NomadError('badRequest', `the command could not be started in task "${req.task}" (exit ${outcome.code} before the exec wrapper ran; the task needs /bin/sh)`);
      }
      if (attempt >= MAX_STARTS) {
        throw new NomadError('server', `Nomad ended the exec ${MAX_STARTS} times before the command started (its docker driver's exec race); the command did not run`);
      }
      req.onRestart?.(attempt);
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  } finally {
    input.dispose();
  }
}

/**
 * Our stdin, read from the start and queued until a session takes it: a child process's stdout that ends early is
 * resumed (and its data dropped) by Node when the child exits, and with the start handshake nothing may reach the
 * task before the command starts, so a session Nomad ends before then leaves the whole input for the next one.
 */
class StdinRelay {
  private readonly queue: { frame: object; bytes: number }[] = [];
  private queued = 0;
  private sink: ((frame: object, bytes: number) => void) | undefined;
  private inFlight: () => number = () => 0;
  private paused = false;
  private readonly cleanup: () => void = () => undefined;

  constructor(private readonly stdin: Readable | null) {
    if (!stdin) {
      this.push({ stdin: { close: true } }, 0);
      return;
    }
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.push({ stdin: { data: buf.toString('base64') } }, buf.length);
    };
    const onEnd = () => this.push({ stdin: { close: true } }, 0);
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

/** One websocket session; with `markers`, under the start handshake and trailers. */
function session(http: NomadHttp, req: ExecRequest, input: StdinRelay, markers?: SessionMarkers): Promise<Outcome> {
  const url = http.wsUrl(`/v1/client/allocation/${encodeURIComponent(req.allocId)}/exec`, {
    task: req.task,
    command: JSON.stringify(markers ? trailerCommand(req.command, markers) : req.command),
    tty: req.tty,
  });
  const scan = markers
    ? { ready: new ReadyScanner(markers.ready), stdout: new TrailerScanner(markers.end, true), stderr: new TrailerScanner(markers.end, false) }
    : undefined;
  const ws = new WebSocket(url, {
    headers: http.authHeaders(),
    perMessageDeflate: false,
    ...(http.tls ?? {}),
  });

  return new Promise<Outcome>((resolve, reject) => {
    let outcome: Outcome | undefined;
    let failure: Error | undefined;
    let inFlight = 0;
    const cleanups: (() => void)[] = [];
    const send = (frame: object, bytes = 0) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      inFlight += bytes;
      ws.send(JSON.stringify(frame), () => {
        inFlight -= bytes;
        input.relieve();
      });
    };
    const startInput = () => input.attach(send, () => inFlight);
    const finish = (fn: () => void) => {
      input.detach();
      for (const c of cleanups.splice(0)) c();
      fn();
    };

    ws.on('open', () => {
      const size = req.tty ? req.size?.() : undefined;
      if (size) send({ tty_size: { height: size.rows, width: size.cols } });
      if (req.tty && req.onResize) {
        cleanups.push(req.onResize(() => {
          const s = req.size?.();
          if (s) send({ tty_size: { height: s.rows, width: s.cols } });
        }));
      }
      const beat = setInterval(() => send({}), HEARTBEAT_MS);
      cleanups.push(() => clearInterval(beat));
      if (!scan) startInput();
    });

    // Output: read the socket as fast as it comes, and stop reading only when OUTPUT_HIGH bytes wait for our
    // stdout or stderr, so memory stays bounded. Stopping sooner loses output on Nomad's docker driver: its
    // ExecTaskStreaming reports the exit as soon as Docker says the process ended and closes the output while
    // Docker still holds what a slow reader has not taken yet (seen in test/integration/docker-driver.test.ts).
    const waiting = new Set<Writable>();
    const write = (out: Writable, bytes: Buffer) => {
      if (bytes.length) out.write(bytes);
      if (out.writableLength > OUTPUT_HIGH && !waiting.has(out)) {
        // Frames already received still arrive while paused; one drain listener per stream is enough.
        waiting.add(out);
        ws.pause();
        out.once('drain', () => {
          waiting.delete(out);
          if (waiting.size === 0) ws.resume();
        });
      }
    };
    /** Stdout bytes with the ready marker taken off the front; sends the nonce (and then stdin) once it is whole. */
    const afterReady = (bytes: Buffer): Buffer => {
      if (!scan || scan.ready.ready) return bytes;
      const rest = scan.ready.push(bytes);
      if (scan.ready.ready) {
        send({ stdin: { data: Buffer.from(`${markers!.nonce}\n`).toString('base64') } });
        startInput();
      }
      return rest;
    };

    let holdTimer: NodeJS.Timeout | undefined;
    cleanups.push(() => clearTimeout(holdTimer));
    ws.on('message', (raw: WebSocket.RawData) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(raw.toString()) as ServerFrame;
      } catch {
        return;
      }
      if (outcome || failure) return;
      clearTimeout(holdTimer);
      try {
        if (frame.stdout?.data) {
          const bytes = afterReady(Buffer.from(frame.stdout.data, 'base64'));
          write(req.stdout, scan ? scan.stdout.push(bytes) : bytes);
        }
      } catch (err) {
        failure = new NomadError('badRequest', `the command could not be run in task "${req.task}": ${(err as Error).message}`);
        ws.terminate();
        return;
      }
      if (frame.stderr?.data) {
        const bytes = Buffer.from(frame.stderr.data, 'base64');
        write(req.stderr, scan ? scan.stderr.push(bytes) : bytes);
      }
      if (scan && (scan.stdout.holding || scan.stderr.holding)) {
        holdTimer = setTimeout(() => {
          write(req.stdout, scan.stdout.flush());
          write(req.stderr, scan.stderr.flush());
        }, HOLD_BACK_MS);
      }
      if (scan?.stdout.done && scan.stderr.done) {
        // Every byte the command wrote has arrived; the wrapper's linger is not worth waiting for, and neither is
        // a closing handshake, which Nomad answers only when the exec ends.
        outcome = { kind: 'exited', code: scan.stdout.code ?? 0 };
        ws.terminate();
      } else if (frame.exited) {
        const code = frame.result?.exit_code ?? 0;
        if (scan && !scan.ready.ready) {
          outcome = { kind: 'notStarted', code };
        } else if (scan) {
          write(req.stdout, scan.stdout.flush());
          write(req.stderr, scan.stderr.flush());
          write(req.stderr, Buffer.from(`devpod-provider-nomad: the command's output is incomplete: Nomad ended the exec (exit ${code}) before its end-of-output marker arrived; exiting ${OUTPUT_LOST_EXIT}\n`));
          outcome = { kind: 'exited', code: OUTPUT_LOST_EXIT };
        } else {
          outcome = { kind: 'exited', code };
        }
        ws.close(1000);
      }
    });

    ws.on('close', (code: number, reason: Buffer) => {
      const text = reason.toString();
      finish(() => {
        if (failure) {
          reject(failure);
        } else if (outcome) {
          const done = outcome;
          // Resolve only after both streams flushed what was written to them.
          Promise.all([flushed(req.stdout), flushed(req.stderr)]).then(() => resolve(done), reject);
        } else if (text) {
          reject(new NomadError(code === 1008 && /Permission denied/i.test(text) ? 'forbidden' : 'badRequest',
            `Nomad refused to run the command in allocation ${req.allocId.slice(0, 8)} task "${req.task}": ${text}` +
              (/Permission denied/i.test(text) ? ` (the token needs "alloc-exec", and "alloc-node-exec" for raw_exec tasks, in namespace "${http.conn.namespace ?? 'default'}")` : '')));
        } else {
          reject(new NomadError('unreachable', `the exec connection to Nomad closed before the command's exit code arrived (code ${code})`));
        }
      });
    });

    ws.on('error', (err: Error) => {
      finish(() => reject(failure ?? http.transportError(err, 'GET', '/v1/client/allocation/exec')));
      ws.terminate();
    });
  });
}

function flushed(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((r) => out.once('drain', () => r()));
}
