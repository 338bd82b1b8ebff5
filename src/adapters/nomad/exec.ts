// Running a command in an allocation over Nomad's exec websocket (/v1/client/allocation/<id>/exec), byte-exact:
// stdin, stdout and stderr travel base64-encoded in JSON frames, stdin EOF is passed on as {"stdin":{"close":true}},
// and the remote exit code comes back in the final {"exited":true} frame (exit_code omitted when 0).
//
// How the pieces fit: this file runs sessions, again when Nomad ended one before the command started;
// exec-session.ts is one websocket session (upgrade, pulse, close), exec-errors.ts its messages for a failed
// start, exec-pulse.ts its liveness check, exec-stdin.ts our stdin across sessions, exec-output.ts Nomad's frames →
// our stdout/stderr and the outcome, exec-trailer.ts the start handshake and end-of-output markers that docker-like
// drivers need. docs/exec-tunnel.md says what `command` does when the connection goes wrong.
import { OUTPUT_LOST_EXIT } from './exec-output.js';
import { session } from './exec-session.js';
import type { ExecRequest, ExecTiming } from './exec-types.js';
import { StdinRelay } from './exec-stdin.js';
import { newMarkers, NOT_STARTED_EXIT } from './exec-trailer.js';
import { NomadError } from './errors.js';
import type { NomadHttp } from './http.js';

export { OUTPUT_LOST_EXIT };
export type { ExecRequest, ExecTiming };

/** A dead connection ends the exec within deadMs + pingMs (35 s); a quiet live one answers every ping. */
export const EXEC_TIMING: ExecTiming = { handshakeMs: 30_000, pingMs: 5_000, deadMs: 30_000, retryMs: 1_000 };

/** Sessions Nomad may end before the command starts (its docker exec race) before we give up. */
const MAX_STARTS = 5;

/** Runs the command and resolves with its exit code once every byte of its output has been written. */
export async function execInAllocation(http: NomadHttp, req: ExecRequest): Promise<number> {
  const framed = Boolean(req.framedStdin && req.trailers && !req.tty);
  const input = new StdinRelay(req.stdin, framed);
  req = { ...req, framedStdin: framed };
  const timing = { ...EXEC_TIMING, ...req.timing };
  try {
    if (!req.trailers || req.tty) return (await session(http, req, input, timing)).code;
    for (let attempt = 1; ; attempt++) {
      const outcome = await session(http, req, input, timing, newMarkers());
      if (outcome.kind === 'exited') return outcome.code;
      // The wrapper never got the nonce, so the command did not run: running it again is safe.
      if (outcome.code !== 0 && outcome.code !== NOT_STARTED_EXIT) {
        throw new NomadError(
          'badRequest',
          `the command could not be started in task "${req.task}" (exit ${outcome.code} before the exec wrapper ran; the task needs /bin/sh)`,
        );
      }
      if (attempt >= MAX_STARTS) {
        throw new NomadError(
          'server',
          `Nomad ended the exec ${MAX_STARTS} times before the command started (its docker driver's exec race); the command did not run`,
        );
      }
      req.onRestart?.(attempt);
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  } finally {
    input.dispose();
  }
}
