// A stand-in Nomad HTTP endpoint on loopback that records every request the provider's own client sends (method,
// path, body) and answers just enough for the caller to go on: the servers' version from /v1/agent/members (so
// the provider writes its job for that version, as it does against a real cluster), volumes it keeps while they
// exist (so the workspace's own volume create and delete run: created ready at once, never claimed), and an empty
// success otherwise. Only for tests that check what is sent (nomad-api.test.ts); behaviour is proven against real
// agents.
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
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Nomad-Index': '1' });
  res.end(JSON.stringify(body));
};

/** The id the stand-in gives every host volume it creates. */
export const RECORDED_HOST_VOLUME = 'recorded-volume';

type Volume = Record<string, unknown>;

/** Volume reads and writes, kept in `host` (by id) and `csi` (by id); undefined when the path is not a volume's. */
function volumes(host: Map<string, Volume>, csi: Map<string, Volume>, method: string, path: string, body: unknown): [number, unknown] | undefined {
  if (method === 'GET' && path === '/v1/volumes') return [200, [...host.values()]];
  if (method === 'PUT' && path === '/v1/volume/host/create') {
    const spec = (body as { Volume: Volume }).Volume;
    const vol = { ...spec, ID: RECORDED_HOST_VOLUME, NodeID: 'recorded-node', State: 'ready', CreateIndex: 1, HostPath: '/srv/volume' };
    host.set(RECORDED_HOST_VOLUME, vol);
    return [200, { Volume: vol }];
  }
  const hostAt = /^\/v1\/volume\/host\/([^/]+)$/.exec(path)?.[1];
  if (hostAt && method === 'GET') return host.has(hostAt) ? [200, host.get(hostAt)] : [404, 'volume not found'];
  if (hostAt && method === 'DELETE') return host.delete(hostAt) ? [200, {}] : [404, 'volume not found'];
  const csiAt = /^\/v1\/volume\/csi\/([^/]+)(\/create|\/delete)?$/.exec(path);
  if (!csiAt) return undefined;
  const [, id, action] = csiAt;
  if (method === 'GET' && !action) return csi.has(id!) ? [200, csi.get(id!)] : [404, 'volume not found'];
  if (method === 'PUT' && action === '/create') {
    const vol = { ...(body as { Volumes: Volume[] }).Volumes[0], Schedulable: true, ControllersHealthy: 1, NodesHealthy: 1 };
    csi.set(id!, vol);
    return [200, { Volumes: [vol] }];
  }
  if (method === 'DELETE' && action === '/delete') return csi.delete(id!) ? [200, {}] : [404, 'volume not found'];
  return undefined;
}

export async function startRequestRecorder(): Promise<RequestRecorder> {
  const recorder: RequestRecorder = { address: '', requests: [], serverVersion: undefined, close: async () => undefined };
  const host = new Map<string, Volume>();
  const csi = new Map<string, Volume>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const body: unknown = text ? JSON.parse(text) : undefined;
      recorder.requests.push({ method: req.method ?? '', path, body });
      if (path === '/v1/agent/members') {
        if (!recorder.serverVersion) return answer(res, 403, 'Permission denied');
        const tags = { role: 'nomad', region: 'global', build: recorder.serverVersion };
        return answer(res, 200, { ServerRegion: 'global', Members: [{ Name: 'server.global', Status: 'alive', Tags: tags }] });
      }
      const vol = volumes(host, csi, req.method ?? '', path, body);
      if (vol) return answer(res, vol[0], vol[1]);
      answer(res, 200, {});
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  recorder.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recorder.close = () => new Promise((ok) => server.close(() => ok()));
  return recorder;
}
