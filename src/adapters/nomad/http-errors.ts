// How a failed call to Nomad becomes a NomadError with a message for the user: the transport failures (refused,
// TLS, DNS, timeouts, cancelled) with the setting to check, and the HTTP answers other than 2xx (403 naming the
// capability the call needs). Used by the HTTP core (http.ts), the event stream and exec.
import { isAxiosError } from 'axios';
import type { NomadConnection } from './connection.js';
import { NomadError } from './errors.js';

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ENOENT',
]);

/** A failure before any answer (refused, TLS, DNS, timeout, cancelled) as a NomadError that says what to check. */
export function transportError(conn: NomadConnection, err: unknown, method: string, path: string): NomadError {
  if (err instanceof NomadError) return err;
  const code = (isAxiosError(err) ? err.code : undefined) ?? (err as NodeJS.ErrnoException)?.code ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (code === 'ERR_CANCELED' || (err as Error)?.name === 'CanceledError' || (err as Error)?.name === 'AbortError') {
    return new NomadError('aborted', `request ${method} ${path} was cancelled`);
  }
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(msg)) {
    return new NomadError('tls', `TLS with Nomad at ${conn.address} failed: ${tlsReason(msg)}. ${tlsHint(conn, code, msg)}`);
  }
  if (NET_CODES.has(code) || code === 'ERR_NETWORK' || /socket hang up|timeout/i.test(msg)) {
    return new NomadError(
      'unreachable',
      `Cannot reach Nomad at ${conn.address} (${code || msg}). Check NOMAD_ADDR and that the agent is running and reachable from here.`,
    );
  }
  return new NomadError('unreachable', `Talking to Nomad at ${conn.address} failed: ${msg}`);
}

/** Which setting to look at, from what went wrong in the handshake. */
function tlsHint(c: NomadConnection, code: string, msg: string): string {
  if (WRONG_VERSION.test(msg)) return 'Nothing to set for TLS: point NOMAD_ADDR at the agent with http://, or enable TLS on it.';
  if (/certificate[ _]required|bad[ _]certificate|handshake[ _]failure/i.test(msg)) {
    return c.clientCert
      ? `The agent refused the client certificate in NOMAD_CLIENT_CERT (${c.clientCert}): it must be signed by the CA the agent trusts (tls.ca_file).`
      : 'The agent requires a client certificate (verify_https_client): set NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY.';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames|Hostname\/IP does not match/i.test(msg)) {
    return c.tlsServerName
      ? `NOMAD_TLS_SERVER_NAME=${c.tlsServerName} is not a name in the agent's certificate: set it to one that is (e.g. server.<region>.nomad).`
      : "Set NOMAD_TLS_SERVER_NAME to a name the agent's certificate carries (e.g. server.<region>.nomad).";
  }
  if (/verify|self.signed|issuer|CERT_/i.test(`${code} ${msg}`)) {
    const ca = c.caCert ? `NOMAD_CACERT (${c.caCert})` : c.caPath ? `NOMAD_CAPATH (${c.caPath})` : 'no NOMAD_CACERT';
    return `The agent's certificate is not signed by a CA we trust (${ca}): set NOMAD_CACERT to the CA that signed it, or NOMAD_SKIP_VERIFY=true (insecure).`;
  }
  return "Check NOMAD_CACERT, NOMAD_CLIENT_CERT/NOMAD_CLIENT_KEY and NOMAD_TLS_SERVER_NAME against the agent's tls block.";
}

/** Nomad's answer other than 2xx as a NomadError; a 403 names the capability the call needs. */
export function statusError(
  conn: NomadConnection,
  status: number,
  body: string,
  method: string,
  path: string,
  capability?: string,
  on?: string,
): NomadError {
  const text = body.trim().slice(0, 500);
  const ns = conn.namespace ?? 'default';
  // Nomad before 1.7 answers a refused event-stream subscription with 500 "Permission denied" (1.11: a 403 on the
  // other endpoints, and a stream that closes before its first heartbeat): the same refusal.
  if (status === 403 || (status === 500 && /^(rpc error: )?Permission denied$/i.test(text))) {
    const who = conn.token ? 'The token in NOMAD_TOKEN' : 'No token was given (set NOMAD_TOKEN); the anonymous policy';
    const need = capability ? `the "${capability}" capability${on ? ` on ${on}` : ''}` : 'a capability it lacks';
    return new NomadError(
      'forbidden',
      `Nomad refused ${method} ${path} (403 ${text || 'Permission denied'}). ${who} needs ${need} in namespace "${ns}".`,
      status,
      text,
    );
  }
  if (status === 401) {
    return new NomadError(
      'forbidden',
      `Nomad at ${conn.address} asked for HTTP authentication on ${method} ${path} (401 ${text}): ${conn.httpAuth ? 'NOMAD_HTTP_AUTH was refused' : 'set NOMAD_HTTP_AUTH=user:password'}.`,
      status,
      text,
    );
  }
  if (status === 404) return new NomadError('notFound', `Nomad has no ${path} in namespace "${ns}" (404 ${text}).`, status, text);
  if (status >= 400 && status < 500) return new NomadError('badRequest', `Nomad rejected ${method} ${path}: ${text} (HTTP ${status}).`, status, text);
  return new NomadError('server', `Nomad failed ${method} ${path}: ${text} (HTTP ${status}).`, status, text);
}

/** A TLS handshake answered in plain text: OpenSSL's wording (Node) and BoringSSL's (Bun, WRONG_VERSION_NUMBER). */
const WRONG_VERSION = /wrong[ _]version[ _]number/i;

/** OpenSSL's message without its error-stack noise. */
function tlsReason(msg: string): string {
  if (WRONG_VERSION.test(msg)) return 'the agent did not answer in TLS (is it plain HTTP? then NOMAD_ADDR should start with http://)';
  const first = msg.split('\n')[0] ?? msg;
  const openssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/i.exec(first);
  return (openssl?.[1] ?? first).trim();
}
