// A loopback HTTP proxy in front of a Nomad agent that records each request (method, path, JSON body) before passing
// it on unchanged, so a test can show exactly what the provider sent and what Nomad answered.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status?: number;
  answer?: string;
}

export interface RecordingProxy {
  address: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const url = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const seen: RecordedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0]!,
        body: raw.length ? JSON.parse(raw.toString()) : undefined,
      };
      requests.push(seen);
      const up = request(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers, insecureHTTPParser: true },
        (r) => {
          const answer: Buffer[] = [];
          r.on('data', (c: Buffer) => answer.push(c));
          r.on('end', () => {
            seen.status = r.statusCode;
            seen.answer = Buffer.concat(answer).toString();
          });
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(raw);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
