// The one module that speaks HTTP to Nomad: token, region, namespace, TLS, index headers and error translation.
// Every resource module (jobs, allocations, events, agent, volumes, …) goes through request()/stream(). The TLS
// material is read by tls.ts, failures become NomadErrors in http-errors.ts, and requests go out through
// http-adapter.ts (not axios's own Node adapter; it says why).
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { NomadConnection } from './connection.js';
import { NomadError } from './errors.js';
import { nomadAdapter } from './http-adapter.js';
import { statusError, transportError } from './http-errors.js';
import { tlsMaterial, type TlsMaterial } from './tls.js';

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

export class NomadHttp {
  readonly conn: NomadConnection;
  /** TLS settings for https:// (and wss://) addresses; undefined for plain HTTP. */
  readonly tls: TlsMaterial | undefined;
  private readonly ax: AxiosInstance;

  constructor(conn: NomadConnection) {
    this.conn = conn;
    const unix = this.socketPath;
    this.tls = tlsMaterial(conn);
    const httpsAgent = this.tls && new HttpsAgent({ ...this.tls, keepAlive: true });
    this.ax = axios.create({
      adapter: nomadAdapter,
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
    if (this.conn.httpAuth)
      h.Authorization = `Basic ${Buffer.from(this.conn.httpAuth.includes(':') ? this.conn.httpAuth : `${this.conn.httpAuth}:`).toString('base64')}`;
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
    throw statusError(this.conn, res.status, String(res.data ?? ''), method, path, opts.capability, opts.capabilityOn);
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
    throw statusError(this.conn, res.status, body, 'GET', path, opts.capability, opts.capabilityOn);
  }

  /** A failure before any answer, as a NomadError that says what to check (http-errors.ts). */
  transportError(err: unknown, method: string, path: string): NomadError {
    return transportError(this.conn, err, method, path);
  }
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
