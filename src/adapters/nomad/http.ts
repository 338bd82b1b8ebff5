// The one module that speaks HTTP to Nomad: token, region, namespace, TLS, index headers and error translation.
// Every resource module (jobs, allocations, evaluations, events, agent) goes through request()/stream().
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { readFileSync, readdirSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { NomadConnection } from './connection.js';
import { NomadError } from './errors.js';

export interface QueryMeta {
  /** X-Nomad-Index: the Raft index the answer reflects. */
  lastIndex: number;
  knownLeader: boolean;
}

export interface Result<T> {
  data: T;
  meta: QueryMeta;
}

/**
 * The answer, or `data: undefined` when Nomad has no such object (404): reads of a job, a volume or a variable that
 * may not exist.
 */
export async function orUndefined<T>(req: Promise<Result<T>>): Promise<Result<T | undefined>> {
  try {
    return await req;
  } catch (err) {
    if (err instanceof NomadError && err.kind === 'notFound') return { data: undefined, meta: { lastIndex: 0, knownLeader: true } };
    throw err;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** ACL capability the call needs; named in the 403 message. */
  capability?: string;
  /** What the capability is on, when it is not the namespace itself (`variables path "…"`). */
  capabilityOn?: string;
  timeoutMs?: number;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_HANDSHAKE_TIMEOUT',
]);
const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ENOENT']);

function readCaPath(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.pem') || f.endsWith('.crt')).map((f) => readFileSync(join(dir, f), 'utf8'));
}

function readSetting(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new NomadError('tls', `${name}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a PEM file.`);
  }
}

export interface TlsMaterial {
  ca?: string[];
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.2';
}

export class NomadHttp {
  readonly conn: NomadConnection;
  /** TLS settings for https:// (and wss://) addresses; undefined for plain HTTP. */
  readonly tls: TlsMaterial | undefined;
  private readonly ax: AxiosInstance;

  constructor(conn: NomadConnection) {
    this.conn = conn;
    const unix = this.socketPath;
    let httpsAgent: HttpsAgent | undefined;
    if (conn.address.startsWith('https://')) {
      const ca = [
        ...(conn.caCert ? [readSetting(conn.caCert, 'NOMAD_CACERT')] : []),
        ...(conn.caPath ? readCaPath(conn.caPath) : []),
      ];
      this.tls = {
        ca: ca.length ? ca : undefined,
        cert: conn.clientCert ? readSetting(conn.clientCert, 'NOMAD_CLIENT_CERT') : undefined,
        key: conn.clientKey ? readSetting(conn.clientKey, 'NOMAD_CLIENT_KEY') : undefined,
        servername: conn.tlsServerName,
        rejectUnauthorized: !conn.skipVerify,
        minVersion: 'TLSv1.2',
      };
      httpsAgent = new HttpsAgent({ ...this.tls, keepAlive: true });
    }
    this.ax = axios.create({
      baseURL: unix ? 'http://localhost' : conn.address,
      socketPath: unix,
      httpsAgent,
      headers: { ...this.authHeaders(), 'Accept-Encoding': 'identity' },
      validateStatus: () => true,
      // Nomad answers in JSON; we parse ourselves so a plain-text error body survives.
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      maxRedirects: 0,
      proxy: false,
      // Plain JSON: Nomad gzips answers asked for with gzip (axios's default), and inflating them costs a zlib
      // context each; the inspector's 3,000 reads at start held ~120 MB of RSS that way (bench/inspector-scale.ts).
      decompress: false,
    });
  }

  /** Headers every request carries: the ACL token, and HTTP basic auth (NOMAD_HTTP_AUTH) as the nomad CLI sends it. */
  authHeaders(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.conn.token) h['X-Nomad-Token'] = this.conn.token;
    if (this.conn.httpAuth) h.Authorization = `Basic ${Buffer.from(this.conn.httpAuth.includes(':') ? this.conn.httpAuth : `${this.conn.httpAuth}:`).toString('base64')}`;
    return h;
  }

  /** For unix:///path addresses: the socket to connect to (requests then go to http://localhost, as the CLI's). */
  get socketPath(): string | undefined {
    return this.conn.address.startsWith('unix://') ? this.conn.address.slice('unix://'.length) : undefined;
  }

  /** The websocket URL for a path, with the same region/namespace parameters (connect to socketPath when set). */
  wsUrl(path: string, query: Record<string, string | number | boolean | undefined> = {}): string {
    const base = this.socketPath ? 'ws://localhost' : this.conn.address.replace(/^http/, 'ws');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...this.commonQuery(), ...query })) if (v !== undefined) params.set(k, String(v));
    return `${base}${path}?${params.toString()}`;
  }

  private commonQuery(): Record<string, string | undefined> {
    return { region: this.conn.region, namespace: this.conn.namespace };
  }

  async request<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<Result<T>> {
    let res: AxiosResponse<string>;
    try {
      res = await this.ax.request<string>({
        method,
        url: path,
        params: stripUndefined({ ...this.commonQuery(), ...opts.query }),
        data: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        headers: opts.body === undefined ? {} : { 'Content-Type': 'application/json' },
        signal: opts.signal,
        timeout: opts.timeoutMs ?? 30_000,
      });
    } catch (err) {
      throw this.transportError(err, method, path);
    }
    if (res.status >= 200 && res.status < 300) {
      const data = (res.data === '' ? undefined : JSON.parse(res.data)) as T;
      return { data, meta: metaOf(res.headers as Record<string, string | undefined>) };
    }
    throw this.statusError(res.status, String(res.data ?? ''), method, path, opts.capability, opts.capabilityOn);
  }

  /** A streaming GET (the event stream). The caller owns the returned body and must destroy it. */
  async stream(path: string, opts: RequestOptions = {}): Promise<Readable> {
    let res: AxiosResponse<Readable>;
    try {
      res = await this.ax.request<Readable>({
        method: 'GET',
        url: path,
        params: stripUndefined({ ...this.commonQuery(), ...opts.query }),
        responseType: 'stream',
        signal: opts.signal,
        // Nomad 1.11 and early 2.0 hijack the socket and write "HTTP/0.0 200 OK" with no framing (fixed in
        // 2.0.x, hashicorp/nomad#27586); Node's strict parser rejects that status line.
        insecureHTTPParser: true,
        // No overall timeout: the stream lives until closed. Heartbeats (every 30 s) prove liveness.
        timeout: 0,
      });
    } catch (err) {
      throw this.transportError(err, 'GET', path);
    }
    if (res.status >= 200 && res.status < 300) return res.data;
    const body = await readAll(res.data);
    throw this.statusError(res.status, body, 'GET', path, opts.capability, opts.capabilityOn);
  }

  transportError(err: unknown, method: string, path: string): NomadError {
    if (err instanceof NomadError) return err;
    const code = (isAxiosError(err) ? err.code : undefined) ?? (err as NodeJS.ErrnoException)?.code ?? '';
    const msg = (err as Error)?.message ?? String(err);
    if (code === 'ERR_CANCELED' || (err as Error)?.name === 'CanceledError' || (err as Error)?.name === 'AbortError') {
      return new NomadError('aborted', `request ${method} ${path} was cancelled`);
    }
    if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(msg)) {
      return new NomadError('tls', `TLS with Nomad at ${this.conn.address} failed: ${tlsReason(msg)}. ${this.tlsHint(code, msg)}`);
    }
    if (NET_CODES.has(code) || code === 'ERR_NETWORK' || /socket hang up|timeout/i.test(msg)) {
      return new NomadError(
        'unreachable',
        `Cannot reach Nomad at ${this.conn.address} (${code || msg}). Check NOMAD_ADDR and that the agent is running and reachable from here.`,
      );
    }
    return new NomadError('unreachable', `Talking to Nomad at ${this.conn.address} failed: ${msg}`);
  }

  /** Which setting to look at, from what went wrong in the handshake. */
  private tlsHint(code: string, msg: string): string {
    const c = this.conn;
    if (/wrong version number/i.test(msg)) return 'Nothing to set for TLS: point NOMAD_ADDR at the agent with http://, or enable TLS on it.';
    if (/certificate required|bad certificate|handshake failure/i.test(msg)) {
      return c.clientCert
        ? `The agent refused the client certificate in NOMAD_CLIENT_CERT (${c.clientCert}): it must be signed by the CA the agent trusts (tls.ca_file).`
        : 'The agent requires a client certificate (verify_https_client): set NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY.';
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames|Hostname\/IP does not match/i.test(msg)) {
      return c.tlsServerName
        ? `NOMAD_TLS_SERVER_NAME=${c.tlsServerName} is not a name in the agent's certificate: set it to one that is (e.g. server.<region>.nomad).`
        : 'Set NOMAD_TLS_SERVER_NAME to a name the agent\'s certificate carries (e.g. server.<region>.nomad).';
    }
    if (/verify|self.signed|issuer|CERT_/i.test(`${code} ${msg}`)) {
      const ca = c.caCert ? `NOMAD_CACERT (${c.caCert})` : c.caPath ? `NOMAD_CAPATH (${c.caPath})` : 'no NOMAD_CACERT';
      return `The agent's certificate is not signed by a CA we trust (${ca}): set NOMAD_CACERT to the CA that signed it, or NOMAD_SKIP_VERIFY=true (insecure).`;
    }
    return 'Check NOMAD_CACERT, NOMAD_CLIENT_CERT/NOMAD_CLIENT_KEY and NOMAD_TLS_SERVER_NAME against the agent\'s tls block.';
  }

  statusError(status: number, body: string, method: string, path: string, capability?: string, on?: string): NomadError {
    const text = body.trim().slice(0, 500);
    const ns = this.conn.namespace ?? 'default';
    // Nomad before 1.7 answers a refused event-stream subscription with 500 "Permission denied" (1.11: a 403 on the
    // other endpoints, and a stream that closes before its first heartbeat): the same refusal.
    if (status === 403 || (status === 500 && /^(rpc error: )?Permission denied$/i.test(text))) {
      const who = this.conn.token ? 'The token in NOMAD_TOKEN' : 'No token was given (set NOMAD_TOKEN); the anonymous policy';
      const need = capability ? `the "${capability}" capability${on ? ` on ${on}` : ''}` : 'a capability it lacks';
      return new NomadError('forbidden', `Nomad refused ${method} ${path} (403 ${text || 'Permission denied'}). ${who} needs ${need} in namespace "${ns}".`, status, text);
    }
    if (status === 401) {
      return new NomadError('forbidden', `Nomad at ${this.conn.address} asked for HTTP authentication on ${method} ${path} (401 ${text}): ${this.conn.httpAuth ? 'NOMAD_HTTP_AUTH was refused' : 'set NOMAD_HTTP_AUTH=user:password'}.`, status, text);
    }
    if (status === 404) return new NomadError('notFound', `Nomad has no ${path} in namespace "${ns}" (404 ${text}).`, status, text);
    if (status >= 400 && status < 500) return new NomadError('badRequest', `Nomad rejected ${method} ${path}: ${text} (HTTP ${status}).`, status, text);
    return new NomadError('server', `Nomad failed ${method} ${path}: ${text} (HTTP ${status}).`, status, text);
  }
}

/** OpenSSL's message without its error-stack noise. */
function tlsReason(msg: string): string {
  if (/wrong version number/i.test(msg)) return 'the agent did not answer in TLS (is it plain HTTP? then NOMAD_ADDR should start with http://)';
  const first = msg.split('\n')[0] ?? msg;
  const openssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(first);
  return (openssl?.[1] ?? first).trim();
}

function metaOf(headers: Record<string, string | undefined>): QueryMeta {
  return {
    lastIndex: Number(headers['x-nomad-index'] ?? 0) || 0,
    knownLeader: headers['x-nomad-knownleader'] === 'true',
  };
}

function stripUndefined(q: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== ''));
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
