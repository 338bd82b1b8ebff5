// What the person reads when an exec fails before the command could start: the upgrade answered with something
// other than 101 (by Nomad or a proxy in front of it), not answered in time, or refused by Nomad. Each message says
// what answered and which setting to check. Used by exec-session.ts.
import type { ExecRequest, ExecTiming } from './exec-types.js';
import { NomadError } from './errors.js';
import type { NomadHttp } from './http.js';

/** ws's message when the handshakeTimeout passed. */
const HANDSHAKE_TIMED_OUT = 'Opening handshake has timed out';

/** A failure before the socket opened: unreachable, TLS, or no answer to the upgrade in time. */
export function beforeOpen(http: NomadHttp, err: Error, timing: ExecTiming): NomadError {
  if (err.message === HANDSHAKE_TIMED_OUT) {
    return new NomadError(
      'unreachable',
      `Nomad at ${http.conn.address} did not answer the exec websocket upgrade within ${timing.handshakeMs / 1000} s: check NOMAD_ADDR, and that the agent (or a proxy in front of it) is up and answering.`,
    );
  }
  return http.transportError(err, 'GET', '/v1/client/allocation/<id>/exec');
}

/** Nomad closed the socket with a reason before the command started: it refused the exec. */
export function refusedByNomad(http: NomadHttp, req: ExecRequest, code: number, text: string): NomadError {
  const denied = /Permission denied/i.test(text);
  return new NomadError(
    code === 1008 && denied ? 'forbidden' : 'badRequest',
    `Nomad refused to run the command in allocation ${req.allocId.slice(0, 8)} task "${req.task}": ${text}` +
      (denied ? ` (the token needs "alloc-exec", and "alloc-node-exec" for raw_exec tasks, in namespace "${http.conn.namespace ?? 'default'}")` : ''),
  );
}

/** The upgrade was answered with something other than 101 Switching Protocols. */
export function upgradeRefused(http: NomadHttp, allocId: string, status: number, statusText: string, body: string): NomadError {
  const c = http.conn;
  const said = `${status}${statusText ? ` ${statusText}` : ''}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}`;
  const head = `the exec websocket upgrade for allocation ${allocId.slice(0, 8)} at ${c.address} was answered with HTTP ${said}, not 101 Switching Protocols`;
  if (status === 401) {
    return new NomadError(
      'forbidden',
      `${head}. Nomad, or a proxy in front of it, asks for HTTP authentication: ${c.httpAuth ? 'check the user:password in NOMAD_HTTP_AUTH' : 'set NOMAD_HTTP_AUTH=user:password'}.`,
      status,
      body,
    );
  }
  if (status === 403) {
    const who = c.token ? 'the token in NOMAD_TOKEN' : 'no token is set (NOMAD_TOKEN), so the anonymous policy';
    return new NomadError(
      'forbidden',
      `${head}. Either ${who} lacks "alloc-exec" in namespace "${c.namespace ?? 'default'}" (and "alloc-node-exec" for raw_exec tasks), or a proxy in front of Nomad refuses this client or websocket upgrades.`,
      status,
      body,
    );
  }
  if (status === 404) {
    return new NomadError(
      'notFound',
      `${head}. NOMAD_ADDR must be Nomad's HTTP API itself, or a proxy that passes /v1/client/allocation/<id>/exec and websocket upgrades through to it.`,
      status,
      body,
    );
  }
  return new NomadError(
    status >= 500 ? 'server' : 'badRequest',
    `${head}. A proxy in front of Nomad may not pass websocket upgrades through (it must forward the Upgrade and Connection headers over HTTP/1.1), or NOMAD_ADDR points at something other than Nomad.`,
    status,
    body,
  );
}
