// End-of-output trailers and a start handshake for exec on container drivers, where Nomad's docker driver gets an
// exec's end wrong in two ways (ExecTaskStreaming, drivers/docker/driver.go in v1.11.2):
//
// 1. It reports the exit as soon as Docker says the process ended and then closes the output, while Docker may
//    still hold the last of it (hashicorp/nomad#27146; 4 MiB through `cat` came back short about one time in three).
// 2. It polls ContainerExecInspect right after attaching, but Docker answers the attach before it marks the exec
//    running, so an early inspect reads Running=false with ExitCode 0: Nomad then ends the session at once with
//    exit 0 and no output (one run in 40 of 16 MiB through `cat`).
//
// So the command runs under a small sh wrapper. It first prints a ready marker on stdout and waits for a one-line
// nonce on stdin, which the client sends only once the marker arrived: a session that ends before the marker
// arrived never ran the command (the wrapper reads EOF instead of the nonce and exits), so it is safe to run again.
// After the command the wrapper writes a random end marker (and, on stdout, the command's exit code) and lingers;
// the client strips the markers, and once both ends have arrived it knows every byte did, and ends the session
// with the command's own exit code. A session that ends without them exits non-zero: output may be missing.
// Nomad cuts output into frames of at most 1 KiB (plugins/drivers/execstreaming.go), so a marker is often split
// across two frames; TrailerScanner finds it however it is cut.
import { randomBytes } from 'node:crypto';
import { FRAMED_RUN } from './exec-stdin-frames.js';

/** How long the wrapper stays after its trailers; the session normally ends long before (when they arrive). */
export const TRAILER_LINGER_S = 10;

/**
 * Held-back bytes go out after this long without more output, and a ping's round trip showing that Nomad had sent
 * nothing more (see exec-output.ts), so an interactive stream never waits on us for long.
 */
export const HOLD_BACK_MS = 100;

/** The wrapper's exit code when it did not get the nonce (so it never ran the command). */
export const NOT_STARTED_EXIT = 125;

/** The random strings of one exec session. */
export interface SessionMarkers {
  /** First bytes on stdout: the wrapper runs and waits for the nonce. */
  ready: string;
  /** Line the client sends on stdin once `ready` arrived; only then does the wrapper run the command. */
  nonce: string;
  /** End of output: `<end><exit code>:` on stdout, `<end>` on stderr. */
  end: string;
}

/**
 * Markers start and end with ASCII RS (0x1e), which text output does not end with, so the scanner almost never
 * has to hold anything back (see TrailerScanner.push).
 */
export function newMarkers(): SessionMarkers {
  const id = randomBytes(12).toString('hex');
  return { ready: `\x1edevpod-nomad-ready-${id}\x1e`, nonce: randomBytes(12).toString('hex'), end: `\x1edevpod-nomad-end-${id}\x1e` };
}

/**
 * argv that prints the ready marker, runs `command` once the nonce arrives on stdin, then the trailers. With
 * `framedStdin`, the command's stdin is decoded from frames (exec-stdin-frames.ts).
 */
export function trailerCommand(command: string[], m: SessionMarkers, framedStdin = false): string[] {
  // `read` takes one byte at a time from a pipe, so the command's own stdin starts right after the nonce line.
  const script =
    `printf '%s' '${m.ready}'; IFS= read -r go && [ "$go" = '${m.nonce}' ] || exit ${NOT_STARTED_EXIT}; ` +
    `${framedStdin ? FRAMED_RUN : '"$@"; rc=$?'}; printf '%s%d:' '${m.end}' "$rc"; printf '%s' '${m.end}' >&2; sleep ${TRAILER_LINGER_S}; exit "$rc"`;
  // `sh` from the container's PATH: only image drivers take trailers, and DevPod's dockerless builder image has no
  // /bin/sh until its build has run (busybox's sh is under /.dockerless/bin, on its PATH).
  return ['sh', '-c', script, 'sh', ...command];
}

const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);

/** Reads the ready marker off the start of stdout. */
export class ReadyScanner {
  private seen: Buffer = EMPTY;
  private readonly marker: Buffer;
  ready = false;

  constructor(marker: string) {
    this.marker = Buffer.from(marker);
  }

  /** Bytes after the marker once it has arrived (normally none), else nothing. Throws on anything else. */
  push(chunk: Buffer): Buffer {
    if (this.ready) return chunk;
    this.seen = Buffer.concat([this.seen, chunk]);
    const n = Math.min(this.seen.length, this.marker.length);
    if (!this.seen.subarray(0, n).equals(this.marker.subarray(0, n))) {
      throw new Error(
        `the exec wrapper printed ${JSON.stringify(this.seen.subarray(0, 80).toString())} before its ready marker (does the task have a POSIX /bin/sh?)`,
      );
    }
    if (this.seen.length < this.marker.length) return EMPTY;
    this.ready = true;
    const rest = this.seen.subarray(this.marker.length);
    this.seen = EMPTY;
    return rest;
  }
}

/**
 * Passes a stream's bytes through until the trailer, which it removes (and reads the exit code from).
 *
 * The end of a chunk that is the start of the marker is held back; the session releases it (flush) once it knows
 * every frame Nomad sent before has arrived (see exec-output.ts), so that an interactive stream never waits on us.
 * Released bytes that are still the start of the marker are remembered: should the rest of the marker follow after
 * all, the trailer is still found, and `leaked` says how many of its bytes went out as output.
 */
export class TrailerScanner {
  /** Released bytes that are the start of the marker. */
  private sent: Buffer = EMPTY;
  /** Held-back bytes; once the marker is found, the exit code's digits until the ':'. */
  private pending: Buffer = EMPTY;
  private found = false;
  private readonly marker: Buffer;
  done = false;
  code: number | undefined;
  /** Bytes of the trailer that had gone out as output before the rest of it arrived (0 unless released early). */
  leaked = 0;

  constructor(
    marker: string,
    private readonly withCode: boolean,
  ) {
    this.marker = Buffer.from(marker);
  }

  /** The bytes of `chunk` (and earlier held-back ones) that are certainly output, not trailer. */
  push(chunk: Buffer): Buffer {
    if (this.done) return EMPTY;
    if (this.found) return this.readCode(chunk);
    const buf = this.sent.length || this.pending.length ? Buffer.concat([this.sent, this.pending, chunk]) : chunk;
    const out = this.sent.length; // buf[0, out) went out already
    const at = buf.indexOf(this.marker);
    if (at >= 0) {
      this.found = true;
      this.leaked = Math.max(0, out - at);
      this.sent = EMPTY;
      this.pending = EMPTY;
      const output = buf.subarray(out, Math.max(out, at));
      this.readCode(buf.subarray(at + this.marker.length));
      return output;
    }
    // Hold back only an end that is the start of the marker (usually nothing: markers begin with RS).
    const start = buf.length - this.markerPrefixAtEnd(buf);
    const cut = Math.max(start, out);
    this.sent = buf.subarray(start, cut);
    this.pending = buf.subarray(cut);
    return buf.subarray(out, cut);
  }

  private readCode(bytes: Buffer): Buffer {
    if (!this.withCode) {
      this.done = true;
      return EMPTY;
    }
    this.pending = Buffer.concat([this.pending, bytes]);
    const end = this.pending.indexOf(COLON);
    if (end >= 0) {
      this.code = Number(this.pending.subarray(0, end).toString());
      this.done = true;
      this.pending = EMPTY;
    }
    return EMPTY;
  }

  /** Bytes held back that may still turn out to be output (never bytes of a trailer already found). */
  get holding(): boolean {
    return this.pending.length > 0 && !this.found;
  }

  private markerPrefixAtEnd(buf: Buffer): number {
    for (let n = Math.min(buf.length, this.marker.length - 1); n > 0; n--) {
      if (buf.subarray(buf.length - n).equals(this.marker.subarray(0, n))) return n;
    }
    return 0;
  }

  /** Releases held-back bytes as output: once Nomad is known to have sent nothing more, or the stream ended. */
  flush(): Buffer {
    if (this.found) return EMPTY;
    const rest = this.pending;
    this.sent = Buffer.concat([this.sent, rest]);
    this.pending = EMPTY;
    return rest;
  }
}
