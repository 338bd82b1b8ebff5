// A loopback reverse proxy that asks for HTTP basic auth, as an operator's proxy in front of Nomad does
// (NOMAD_HTTP_AUTH): requests and websocket upgrades without the right Authorization get 401, the rest go to Nomad.
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface AuthProxy {
  address: string;
  /** Authorization headers seen, in order (to check every kind of request carried them). */
  seen: { method: string; path: string; upgrade: boolean; ok: boolean }[];
  close(): Promise<void>;
}

export async function startAuthProxy(target: string, userPass: string): Promise<AuthProxy> {
  const url = new URL(target);
  const expected = `Basic ${Buffer.from(userPass).toString('base64')}`;
  const seen: AuthProxy['seen'] = [];
  const tunnels = new Set<Socket>();
  const allowed = (req: IncomingMessage, upgrade: boolean) => {
    const ok = req.headers.authorization === expected;
    seen.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, upgrade, ok });
    return ok;
  };
  const server = createServer((req, res) => {
    if (!allowed(req, false)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="nomad"' }).end('authentication required');
      return;
    }
    const up = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers, insecureHTTPParser: true },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    if (!allowed(req, true)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(url.port), url.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`), '', ''];
      upstream.write(lines.join('\r\n'));
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    tunnels.add(socket as Socket).add(upstream);
    const end = () => {
      socket.destroy();
      upstream.destroy();
      tunnels.delete(socket as Socket);
      tunnels.delete(upstream);
    };
    upstream.on('error', end).on('close', end);
    socket.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        for (const s of tunnels) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
