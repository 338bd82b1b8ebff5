// The inspector's HTTP server, on loopback only: the page at /, the SSE feed at /events, a JSON view at /state.
import { createServer, type Server } from 'node:http';
import type { InspectorFeed } from './feed.js';
import { inspectorPage } from './page.js';

export interface RunningInspector {
  url: string;
  close(): Promise<void>;
}

export async function serveInspector(feed: InspectorFeed, port = 0): Promise<RunningInspector> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(inspectorPage());
    } else if (path === '/state') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(feed.hello().data));
    } else if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      let id = 0;
      const send = (m: { event: string; data: unknown }) => res.write(`id: ${++id}\nevent: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`);
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
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
