// A stand-in Nomad HTTP endpoint on loopback that records every request the provider's own client sends (method,
// path, body) and answers just enough for the caller to go on: the servers' version from /v1/agent/members (so
// the provider writes its job for that version, as it does against a real cluster) and an empty success otherwise.
// Only for tests that check what is sent (nomad-api.test.ts); behaviour is proven against real agents.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path without its query string. */
  path: string;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
}

export interface RequestRecorder {
  address: string;
  requests: RecordedRequest[];
  /** The servers' version the members endpoint reports; undefined answers 403, so the version is unknown. */
  serverVersion: string | undefined;
  close(): Promise<void>;
}

const answer = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startRequestRecorder(): Promise<RequestRecorder> {
  const recorder: RequestRecorder = { address: '', requests: [], serverVersion: undefined, close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      recorder.requests.push({ method: req.method ?? '', path, body: text ? JSON.parse(text) : undefined });
      if (path === '/v1/agent/members') {
        if (!recorder.serverVersion) return answer(res, 403, 'Permission denied');
        const tags = { role: 'nomad', region: 'global', build: recorder.serverVersion };
        return answer(res, 200, { ServerRegion: 'global', Members: [{ Name: 'server.global', Status: 'alive', Tags: tags }] });
      }
      if (path === '/v1/volume/host/create') return answer(res, 200, { Volume: { ID: 'recorded-volume' } });
      if (/^\/v1\/volume\/csi\/[^/]+\/create$/.test(path)) return answer(res, 200, { Volumes: [{}] });
      answer(res, 200, {});
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  recorder.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recorder.close = () => new Promise((ok) => server.close(() => ok()));
  return recorder;
}
