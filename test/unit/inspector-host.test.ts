// The inspector answers only requests addressed to itself: a page that rebinds its own name to 127.0.0.1 reaches
// the port, but its requests carry that name in Host and are refused, on every path.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedMessage } from '../../src/inspector/feed.js';
import { serveInspector, type RunningInspector } from '../../src/inspector/server.js';

const hello: Extract<FeedMessage, { event: 'hello' }> = {
  event: 'hello',
  data: { graph: { states: [], edges: [] } as never, workspaces: [{ jobId: 'devpod-secret-project', state: 'running', steps: [] }] },
};
const feed = { hello: () => hello, subscribe: () => () => undefined };
let inspector: RunningInspector;
let port: number;

beforeAll(async () => {
  inspector = await serveInspector(feed);
  port = Number(new URL(inspector.url).port);
});
afterAll(() => inspector.close());

/** One GET to the inspector's port with the given Host header; the status and the first bytes of the body. */
function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
        if (path === '/events') res.destroy(); // a stream: the first frame is enough
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("the inspector's Host check (DNS rebinding)", () => {
  it.each(['/', '/state', '/events', '/nowhere'])('refuses %s for a Host that is not its own address', async (path) => {
    for (const host of ['attacker.example', 'attacker.example:PORT', '127.0.0.1.attacker.example:PORT', '127.0.0.1', 'localhost:1']) {
      const r = await get(path, host.replace('PORT', String(port)));
      expect(r.status, host).toBe(403);
      expect(r.body).toContain(`is not this inspector's address: open http://127.0.0.1:${port}/`);
      expect(r.body).not.toContain('devpod-secret-project');
    }
  });

  it.each([['127.0.0.1'], ['localhost'], ['LOCALHOST']])('answers at %s with its own port', async (name) => {
    const r = await get('/state', `${name}:${port}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('devpod-secret-project');
    expect((await get('/events', `${name}:${port}`)).body).toMatch(/^id: 1\nevent: hello\n/);
  });
});
