// The axios adapter the HTTP core (http.ts) sends every Nomad request through: one node:http/https request, the
// answer buffered as text or handed over as the response stream. Why not axios's own adapters: its Node `http`
// adapter is written for everything axios supports (redirects through follow-redirects, proxies, decompression,
// form data, upload progress), so loading it pulls zlib, follow-redirects, proxy-from-env and the proxy agents onto
// the path of every `status` DevPod polls, and each request pays for its machinery; its `fetch` adapter on Node
// loads undici (~30 ms at start) and would need undici dispatchers for unix sockets and client certificates. Nomad
// needs none of that: no redirects (maxRedirects 0), no proxy (proxy: false), no compression (Accept-Encoding:
// identity). So this does what http.ts configures — base URL and query, headers, a JSON body, TLS through the
// https agent (CA, client certificate, server name), unix sockets (socketPath), the lenient parser for Nomad 1.11's
// event stream, the socket timeout and AbortSignal — and fails with the same AxiosErrors the http adapter throws
// (the error's `code`, "timeout of N ms exceeded" with ECONNABORTED, CanceledError), which http-errors.ts reads.
// Node and Bun both run it (bench/startup.ts measures both).
import axios, { AxiosError, AxiosHeaders, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

export const nomadAdapter: AxiosAdapter = (config: InternalAxiosRequestConfig) =>
  new Promise<AxiosResponse>((resolve, reject) => {
    const url = new URL(axios.getUri(config));
    const https = url.protocol === 'https:';
    const body = bodyOf(config.data);
    const headers = AxiosHeaders.from(config.headers as AxiosHeaders).normalize(false);
    if (body !== undefined) headers.setContentLength(body.length, false);
    const opts: RequestOptions = {
      method: (config.method ?? 'get').toUpperCase(),
      path: `${url.pathname}${url.search}`,
      headers: headers.toJSON() as Record<string, string>,
      insecureHTTPParser: config.insecureHTTPParser,
    };
    if (config.socketPath) opts.socketPath = config.socketPath;
    else {
      opts.hostname = url.hostname.replace(/^\[|\]$/g, '');
      opts.port = url.port || (https ? 443 : 80);
    }
    if (https && config.httpsAgent) opts.agent = config.httpsAgent;
    else if (!https && config.httpAgent) opts.agent = config.httpAgent;

    let settled = false;
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    const fail = (err: AxiosError) => {
      if (settled) {
        // After a streamed answer was handed over: the error goes to its reader.
        if (res && !res.destroyed) res.destroy(err);
        return;
      }
      settled = true;
      cleanup();
      req?.destroy();
      reject(err);
    };
    const onAbort = () => fail(new CanceledError(undefined, config, req));
    const cleanup = () => config.signal?.removeEventListener?.('abort', onAbort);
    if (config.signal?.aborted) return reject(new CanceledError(undefined, config));

    req = (https ? httpsRequest : httpRequest)(opts, (response) => {
      res = response;
      const answer = (data: unknown): AxiosResponse => ({
        data,
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? '',
        headers: response.headers as AxiosResponse['headers'],
        config,
        request: req,
      });
      const done = (r: AxiosResponse) => {
        if (settled) return;
        settled = true;
        if (config.responseType !== 'stream') cleanup();
        const valid = config.validateStatus;
        if (!valid || valid(r.status)) return resolve(r);
        const code = r.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
        reject(new AxiosError(`Request failed with status code ${r.status}`, code, config, req, r));
      };
      if (config.responseType === 'stream') {
        // The reader owns the stream from here; the socket timeout no longer applies (http.ts sets none for streams).
        req?.setTimeout(0);
        return done(answer(response));
      }
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', (err) => fail(AxiosError.from(err, undefined, config, req)));
      response.on('end', () => {
        const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        done(answer(config.responseType === 'arraybuffer' ? buf : buf.toString('utf8')));
      });
    });
    req.on('error', (err) => fail(AxiosError.from(err, undefined, config, req)));
    const timeout = Number(config.timeout ?? 0);
    if (timeout > 0) {
      const message = config.timeoutErrorMessage || `timeout of ${timeout}ms exceeded`;
      const code = config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
      // As the http adapter: the socket's inactivity, and a wall-clock bound until the answer starts (a socket's
      // timer may not run while it is still connecting).
      const untilAnswer = setTimeout(() => fail(new AxiosError(message, code, config, req)), timeout);
      req.once('response', () => clearTimeout(untilAnswer));
      req.once('close', () => clearTimeout(untilAnswer));
      req.setTimeout(timeout, () => fail(new AxiosError(message, code, config, req)));
    }
    config.signal?.addEventListener?.('abort', onAbort);
    req.end(body);
  });

function bodyOf(data: unknown): Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  throw new TypeError('nomadAdapter sends strings or Buffers only (http.ts serialises JSON bodies)');
}
