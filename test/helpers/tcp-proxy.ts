// A loopback TCP proxy a test can cut (drops every open connection and refuses new ones until resumed) or freeze
// (stops forwarding both ways but keeps every connection open, as a NAT or proxy that lost its state does).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  address: string;
  /** Destroys every proxied connection; with `refuse`, new ones are dropped until resume(). */
  drop(opts?: { refuse?: boolean }): void;
  resume(): void;
  /** Stops forwarding on every open connection, both ways, without closing any. */
  freeze(): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const url = new URL(target);
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = createConnection({ host: url.hostname, port: Number(url.port) });
    sockets.add(client).add(upstream);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      pairs.delete(pair);
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    address: `http://127.0.0.1:${port}`,
    drop({ refuse = false } = {}) {
      refusing = refuse;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume() {
      refusing = false;
    },
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    connections: () => sockets.size / 2,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
