// Running a command in an allocation over Nomad's exec websocket (/v1/client/allocation/<id>/exec), byte-exact:
// stdin, stdout and stderr travel base64-encoded in JSON frames, stdin EOF is passed on as {"stdin":{"close":true}},
// and the remote exit code comes back in the final {"exited":true} frame (exit_code omitted when 0).
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { HOLD_BACK_MS, newMarker, TrailerScanner, trailerCommand } from './exec-trailer.js';
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
   * End the session on end-of-output trailers rather than on Nomad's exit frame (see exec-trailer.ts): for task
   * drivers whose exec can lose the end of the output (docker). Ignored with a TTY; needs /bin/sh in the task.
   */
  trailers?: boolean;
}

interface ServerFrame {
  stdout?: { data?: string; close?: boolean };
  stderr?: { data?: string; close?: boolean };
  exited?: boolean;
  result?: { exit_code?: number; signal?: number; oom_killed?: boolean };
}

/** Unacknowledged stdin bytes above which we stop reading our stdin, and below which we start again. */
const STDIN_HIGH = 4 * 1024 * 1024;
const STDIN_LOW = 1024 * 1024;
/** Output bytes waiting for our stdout or stderr above which we stop reading the socket. */
const OUTPUT_HIGH = 64 * 1024 * 1024;
/** Nomad's own client sends a heartbeat every 10 s. */
const HEARTBEAT_MS = 10_000;

/** Runs the command and resolves with its exit code once every byte of its output has been written. */
export function execInAllocation(http: NomadHttp, req: ExecRequest): Promise<number> {
  const marker = req.trailers && !req.tty ? newMarker() : undefined;
  const url = http.wsUrl(`/v1/client/allocation/${encodeURIComponent(req.allocId)}/exec`, {
    task: req.task,
    command: JSON.stringify(marker ? trailerCommand(req.command, marker) : req.command),
    tty: req.tty,
  });
  const scan = marker ? { stdout: new TrailerScanner(marker, true), stderr: new TrailerScanner(marker, false) } : undefined;
  const ws = new WebSocket(url, {
    headers: http.conn.token ? { 'X-Nomad-Token': http.conn.token } : {},
    perMessageDeflate: false,
    ...(http.tls ?? {}),
  });

  return new Promise<number>((resolve, reject) => {
    let exitCode: number | undefined;
    let inFlight = 0;
    let stdinPaused = false;
    const cleanups: (() => void)[] = [];
    const send = (frame: object, bytes = 0) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      inFlight += bytes;
      ws.send(JSON.stringify(frame), () => {
        inFlight -= bytes;
        if (stdinPaused && inFlight < STDIN_LOW) {
          stdinPaused = false;
          req.stdin?.resume();
        }
      });
    };
    const finish = (fn: () => void) => {
      for (const c of cleanups.splice(0)) c();
      fn();
    };

    // Stdin is read from the start, not from the socket's open: a child process's stdout that ends before then
    // is resumed (and its data dropped) by Node when the child exits. Frames wait in `queued` until open.
    const queued: { frame: object; bytes: number }[] = [];
    let open = false;
    const sendOrQueue = (frame: object, bytes = 0) => (open ? send(frame, bytes) : queued.push({ frame, bytes }));
    const stdin = req.stdin;
    if (stdin) {
      const onData = (chunk: Buffer | string) => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        sendOrQueue({ stdin: { data: buf.toString('base64') } }, buf.length);
        if ((open ? inFlight : queued.reduce((n, q) => n + q.bytes, 0)) > STDIN_HIGH && !stdinPaused) {
          stdinPaused = true;
          stdin.pause();
        }
      };
      const onEnd = () => sendOrQueue({ stdin: { close: true } });
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      cleanups.push(() => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
      });
    } else {
      queued.push({ frame: { stdin: { close: true } }, bytes: 0 });
    }

    ws.on('open', () => {
      open = true;
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
      for (const q of queued.splice(0)) send(q.frame, q.bytes);
      if (stdinPaused && inFlight < STDIN_LOW) {
        stdinPaused = false;
        stdin?.resume();
      }
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

    let holdTimer: NodeJS.Timeout | undefined;
    cleanups.push(() => clearTimeout(holdTimer));
    ws.on('message', (raw: WebSocket.RawData) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(raw.toString()) as ServerFrame;
      } catch {
        return;
      }
      if (exitCode !== undefined) return;
      clearTimeout(holdTimer);
      if (frame.stdout?.data) {
        const bytes = Buffer.from(frame.stdout.data, 'base64');
        write(req.stdout, scan ? scan.stdout.push(bytes) : bytes);
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
        exitCode = scan.stdout.code ?? 0;
        ws.terminate();
      } else if (frame.exited) {
        if (scan) {
          write(req.stdout, scan.stdout.flush());
          write(req.stderr, scan.stderr.flush());
          write(req.stderr, Buffer.from('devpod-provider-nomad: the command\'s output may be incomplete: Nomad ended the exec before its end-of-output marker arrived\n'));
        }
        exitCode = frame.result?.exit_code ?? 0;
        ws.close(1000);
      }
    });

    ws.on('close', (code: number, reason: Buffer) => {
      const text = reason.toString();
      finish(() => {
        if (exitCode !== undefined) {
          // Resolve only after both streams flushed what was written to them.
          Promise.all([flushed(req.stdout), flushed(req.stderr)]).then(() => resolve(exitCode!), reject);
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
      finish(() => reject(http.transportError(err, 'GET', '/v1/client/allocation/exec')));
      ws.terminate();
    });
  });
}

function flushed(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((r) => out.once('drain', () => r()));
}
