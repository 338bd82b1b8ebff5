// What an exec asks for (ExecRequest) and its time bounds (ExecTiming): the types exec.ts, exec-session.ts and
// exec-errors.ts share, in a module of their own so that those do not import each other.
import type { Readable, Writable } from 'node:stream';
import type { PulseTiming } from './exec-pulse.js';

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
  /**
   * Send stdin framed and decode it in the task (exec-stdin-frames.ts): for drivers whose exec never passes stdin's
   * end to the process (podman's v0.4). Needs `trailers` (its wrapper decodes it); ignored with a TTY.
   */
  framedStdin?: boolean;
  /** Told when Nomad ended a session before the command started, and it is run again (trailers only). */
  onRestart?: (attempt: number) => void;
  /** Shorter bounds, for tests. */
  timing?: Partial<ExecTiming>;
}

export interface ExecTiming extends PulseTiming {
  /** How long the websocket upgrade may take (TCP, TLS and the 101 answer). */
  handshakeMs: number;
}
