// The inspector's HTTP server, on loopback only: the page at /, the SSE feed at /events, a JSON view at /state.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { InspectorFeed } from './feed.js';
import { inspectorPage } from './page.js';

export interface RunningInspector {
  url: string;
  close(): Promise<void>;
}

/**
 * Loopback is not enough on its own: a web page from any site can make the person's browser resolve its own name to
 * 127.0.0.1 (DNS rebinding) and then read this server as same-origin. Such a request carries the site's name in
 * Host, so only our own address (or localhost) at our port is answered.
 */
function ownHost(req: IncomingMessage, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export async function serveInspector(feed: Pick<InspectorFeed, 'hello' | 'subscribe'>, port = 0): Promise<RunningInspector> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const own = (server.address() as { port: number }).port;
    if (!ownHost(req, own)) {
      res
        .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`Host ${JSON.stringify(req.headers.host ?? '')} is not this inspector's address: open http://127.0.0.1:${own}/\n`);
    } else if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(inspectorPage());
    } else if (path === '/state') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(feed.hello().data));
    } else if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      let id = 0;
      // The steps of one tick go out as one write: a 1,000-workspace inspector takes thousands of steps a second, and
      // a write each costs a chunk header and a socket write each.
      let pending = '';
      const flush = () => {
        if (!res.destroyed) res.write(pending);
        pending = '';
      };
      const send = (m: { event: string; data: unknown }) => {
        if (pending === '') setImmediate(flush);
        pending += `id: ${++id}\nevent: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;
      };
      send(feed.hello());
      const off = feed.subscribe(send);
      const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.on('close', () => {
        off();
        clearInterval(beat);
      });
    } else {
      res.writeHead(404).end('not found');
    }
  });
  // Loopback only: the feed shows job names and failure reasons of the cluster.
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
