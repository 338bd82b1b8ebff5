// One exec session: the websocket to /v1/client/allocation/<id>/exec, from the upgrade to an outcome.
// exec.ts runs sessions (again, when Nomad ended one before the command started). This file opens the socket (TCP,
// TLS or a unix socket; a bounded handshake; a message of its own for an answer other than 101), keeps its pulse
// (exec-pulse.ts), relays stdin (exec-stdin.ts), and hands Nomad's frames to exec-output.ts, which writes the output
// and says when the command is done. Once the socket is open, a lost connection ends the session with exit 255
// and a note on stderr (the command's fate is unknown, as with ssh); before that, failures are NomadErrors.
import { connect } from 'node:net';
import WebSocket from 'ws';
import type { ExecRequest, ExecTiming } from './exec-types.js';
import { ExecOutput, lostMessage, OUTPUT_LOST_EXIT, type Outcome, type ServerFrame } from './exec-output.js';
import { Pulse } from './exec-pulse.js';
import { stdinFrame, type StdinRelay } from './exec-stdin.js';
import { trailerCommand, type SessionMarkers } from './exec-trailer.js';
import { beforeOpen, refusedByNomad, upgradeRefused } from './exec-errors.js';
import { NomadError } from './errors.js';
import type { NomadHttp } from './http.js';

/** Nomad's own client sends a heartbeat frame every 10 s (api/allocations_exec.go); we do the same. */
const HEARTBEAT_MS = 10_000;

/** One websocket session; with `markers`, under the start handshake and trailers. */
export function session(http: NomadHttp, req: ExecRequest, input: StdinRelay, timing: ExecTiming, markers?: SessionMarkers): Promise<Outcome> {
  const path = `/v1/client/allocation/${encodeURIComponent(req.allocId)}/exec`;
  const socketPath = http.socketPath;
  const ws = new WebSocket(
    http.wsUrl(path, {
      task: req.task,
      command: JSON.stringify(markers ? trailerCommand(req.command, markers, req.framedStdin) : req.command),
      tty: req.tty,
    }),
    {
      headers: http.authHeaders(),
      perMessageDeflate: false,
      handshakeTimeout: timing.handshakeMs,
      // ws ignores a socketPath option (it takes one only from a ws+unix: URL, which cannot carry a ':' in the path).
      ...(socketPath ? { createConnection: () => connect(socketPath) } : {}),
      ...(http.tls ?? {}),
    },
  );

  return new Promise<Outcome>((resolve, reject) => {
    let outcome: Outcome | undefined;
    let failure: Error | undefined;
    /** Why the connection was lost after the upgrade, for the note on stderr. */
    let lost: string | undefined;
    let wasOpen = false;
    let error: Error | undefined;
    let inFlight = 0;
    let pulse: Pulse | undefined;
    const cleanups: (() => void)[] = [];

    /** A frame's JSON (a Buffer goes as a text frame too, as Nomad's own client sends them). */
    const send = (frame: Buffer | string, bytes = 0) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      inFlight += bytes;
      ws.send(frame, { binary: false }, () => {
        inFlight -= bytes;
        // Stdin taken by the socket while more waits behind it: Nomad is reading, though on a slow uplink our
        // pings queue behind megabytes of stdin and their pongs come late.
        if (bytes && ws.bufferedAmount > 0) pulse?.heard();
        input.relieve();
      });
    };
    const startInput = () => input.attach(send, () => inFlight);
    const loseConnection = (why: string) => {
      if (outcome || failure || lost) return;
      lost = why;
      ws.terminate();
    };

    const output = new ExecOutput(req.stdout, req.stderr, markers, {
      pause: () => ws.pause(),
      resume: () => ws.resume(),
      afterRoundTrip: (fn) => pulse?.afterRoundTrip(fn),
      cancel: () => pulse?.cancel(),
      onReady: () => {
        send(stdinFrame(Buffer.from(`${markers!.nonce}\n`)));
        startInput();
      },
    });
    cleanups.push(() => output.stop());

    ws.on('unexpected-response', (_request, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        clearTimeout(timer);
        failure ??= upgradeRefused(http, req.allocId, res.statusCode ?? 0, res.statusMessage ?? '', Buffer.concat(chunks).toString());
        ws.terminate(); // in CONNECTING, this aborts `request`
      };
      // The body, if it comes soon and is short, says what refused us.
      const timer = setTimeout(done, 2_000);
      res.on('data', (c: Buffer) => {
        if (size < 2_000) chunks.push(c);
        size += c.length;
      });
      res.once('end', done).once('error', done);
    });

    ws.on('open', () => {
      wasOpen = true;
      pulse = new Pulse(
        ws,
        timing,
        () => output.reading,
        (ms) =>
          loseConnection(
            `the connection to Nomad at ${http.conn.address} went silent: nothing came back for ${Math.round(ms / 1000)} s, not even an answer to a websocket ping (a NAT or proxy dropped it, or Nomad stopped answering)`,
          ),
      );
      cleanups.push(() => pulse?.stop());
      const size = req.tty ? req.size?.() : undefined;
      if (size) send(JSON.stringify({ tty_size: { height: size.rows, width: size.cols } }));
      if (req.tty && req.onResize) {
        cleanups.push(
          req.onResize(() => {
            const s = req.size?.();
            if (s) send(JSON.stringify({ tty_size: { height: s.rows, width: s.cols } }));
          }),
        );
      }
      const beat = setInterval(() => send('{}'), HEARTBEAT_MS);
      cleanups.push(() => clearInterval(beat));
      if (!markers) startInput();
    });

    ws.on('message', (raw: WebSocket.RawData) => {
      pulse?.heard();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(raw.toString()) as ServerFrame;
      } catch {
        return;
      }
      if (outcome || failure || lost) return;
      try {
        outcome = output.take(frame);
      } catch (err) {
        failure = new NomadError('badRequest', `the command could not be run in task "${req.task}": ${(err as Error).message}`);
        ws.terminate();
        return;
      }
      if (outcome && frame.exited) ws.close(1000);
      // Every byte the command wrote has arrived: the wrapper's linger is not worth waiting for, and neither is a
      // closing handshake, which Nomad answers only when the exec ends.
      else if (outcome) ws.terminate();
    });

    const settle = (code: number, reason: string, err?: Error) => {
      input.detach();
      for (const c of cleanups.splice(0)) c();
      if (failure) return reject(failure);
      if (outcome) return flushed(req).then(() => resolve(outcome!), reject);
      if (!lost && !wasOpen)
        return reject(
          err
            ? beforeOpen(http, err, timing)
            : new NomadError('unreachable', `the exec connection to Nomad at ${http.conn.address} closed before it opened (code ${code})`),
        );
      if (!lost && reason && !output.started) return reject(refusedByNomad(http, req, code, reason));
      output.release();
      const why =
        lost ??
        (reason
          ? `Nomad ended the exec before the command's exit code arrived: ${reason}`
          : `the connection to Nomad at ${http.conn.address} closed before the command's exit code arrived (${err ? errorCode(err) : `websocket code ${code}`})`);
      output.note(lostMessage(`${why}; ${output.started ? 'the command may still be running in the workspace' : 'the command did not start'}`));
      flushed(req).then(() => resolve({ kind: 'exited', code: OUTPUT_LOST_EXIT }), reject);
    };

    ws.on('error', (err: Error) => {
      error ??= err;
    });
    ws.on('close', (code: number, reason: Buffer) => settle(code, reason.toString(), error));
  });
}

function errorCode(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}

function flushed(req: ExecRequest): Promise<void> {
  const one = (out: ExecRequest['stdout']) => (out.writableNeedDrain ? new Promise<void>((r) => out.once('drain', () => r())) : Promise.resolve());
  return Promise.all([one(req.stdout), one(req.stderr)]).then(() => undefined);
}
