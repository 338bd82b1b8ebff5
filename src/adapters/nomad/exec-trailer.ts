// End-of-output trailers for exec on container drivers. Nomad's docker driver reports an exec's exit as soon as
// Docker says the process ended and then closes its output, while Docker may still hold the last of it
// (hashicorp/nomad#27146; reproduced in test/integration/docker-driver.test.ts: 4 MiB through `cat` came back
// short about one time in three). So the command runs under a small sh wrapper that, after the command, writes a
// random marker (and, on stdout, the command's exit code) and then lingers; the client strips the markers, and
// once both have arrived it knows every byte did, and ends the session with the command's own exit code.
import { randomBytes } from 'node:crypto';

/** How long the wrapper stays after its trailers; the session normally ends long before (when they arrive). */
export const TRAILER_LINGER_S = 10;

/**
 * The marker starts and ends with ASCII RS (0x1e), which text output does not end with, so the scanner almost never
 * has to hold anything back (see TrailerScanner.push).
 */
export const newMarker = (): string => `\x1edevpod-nomad-end-${randomBytes(12).toString('hex')}\x1e`;

/** Held-back bytes go out after this long without more output, so an interactive stream never waits on us. */
export const HOLD_BACK_MS = 100;

/** argv that runs `command`, then prints `<marker><exit code>:` on stdout and `<marker>` on stderr, and lingers. */
export function trailerCommand(command: string[], marker: string): string[] {
  const script = `"$@"; rc=$?; printf '%s%d:' '${marker}' "$rc"; printf '%s' '${marker}' >&2; sleep ${TRAILER_LINGER_S}; exit "$rc"`;
  return ['/bin/sh', '-c', script, 'sh', ...command];
}

const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);

/** Passes a stream's bytes through until the trailer, which it removes (and reads the exit code from). */
export class TrailerScanner {
  private pending: Buffer = EMPTY;
  private readonly marker: Buffer;
  done = false;
  code: number | undefined;

  constructor(marker: string, private readonly withCode: boolean) {
    this.marker = Buffer.from(marker);
  }

  /** The bytes of `chunk` (and earlier held-back ones) that are certainly output, not trailer. */
  push(chunk: Buffer): Buffer {
    if (this.done) return EMPTY;
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = buf.indexOf(this.marker);
    if (at >= 0) {
      const rest = buf.subarray(at + this.marker.length);
      const end = this.withCode ? rest.indexOf(COLON) : 0;
      if (end >= 0) {
        if (this.withCode) this.code = Number(rest.subarray(0, end).toString());
        this.done = true;
        this.pending = EMPTY;
      } else {
        this.pending = buf.subarray(at);
      }
      return buf.subarray(0, at);
    }
    // Hold back only an end of this chunk that is the start of the marker (usually nothing): interactive
    // streams (DevPod's agent handshake, SSH) wait for each message, so the caller flushes held-back bytes after
    // HOLD_BACK_MS without more output.
    const keep = this.markerPrefixAtEnd(buf);
    this.pending = buf.subarray(buf.length - keep);
    return buf.subarray(0, buf.length - keep);
  }

  get holding(): boolean {
    return this.pending.length > 0 && !this.done;
  }

  private markerPrefixAtEnd(buf: Buffer): number {
    for (let n = Math.min(buf.length, this.marker.length - 1); n > 0; n--) {
      if (buf.subarray(buf.length - n).equals(this.marker.subarray(0, n))) return n;
    }
    return 0;
  }

  /** Held-back bytes: after a quiet HOLD_BACK_MS, or when the stream ended without a trailer. */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = EMPTY;
    return rest;
  }
}
