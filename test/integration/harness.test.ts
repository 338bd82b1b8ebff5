// Proves the harness, not the product: the shared agent accepts a raw_exec job, runs it, streams its events,
// and stops and purges it — all through Nomad's plain HTTP API.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { testJob } from '../helpers/jobs.js';

const addr = inject('nomadAddr');

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${addr}${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface AllocStub {
  ID: string;
  ClientStatus: string;
  TaskStates?: Record<string, { State: string }>;
}

type Ev = { Topic: string; Type: string; Payload: Record<string, unknown> };

/**
 * Reads NDJSON frames from the event stream until `match` accepts an event or the time runs out. node:http with
 * insecureHTTPParser, because Nomad 1.11 answers the stream with a malformed status line ("HTTP/0.0 200 OK") that
 * fetch/undici refuses outright.
 */
function awaitEvent(query: string, match: (ev: Ev) => boolean, timeoutMs: number): Promise<Ev[]> {
  const seen: Ev[] = [];
  return new Promise((resolve, reject) => {
    const req = request(`${addr}/v1/event/stream?${query}`, { insecureHTTPParser: true }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`event stream: HTTP ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const frame = JSON.parse(line) as { Events?: Ev[] };
          for (const ev of frame.Events ?? []) {
            seen.push(ev);
            if (match(ev)) {
              clearTimeout(timer);
              req.destroy();
              return resolve(seen);
            }
          }
        }
      });
      res.on('end', () => reject(new Error('event stream ended')));
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(seen.map((e) => e.Type))}`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

describe('the shared Nomad dev agent', () => {
  it('has an elected leader and a ready client with a healthy raw_exec driver', async () => {
    expect(await api<string>('GET', '/v1/status/leader')).toMatch(/^127\.0\.0\.1:\d+$/);
    const nodes = await api<{ Status: string; Drivers: Record<string, { Healthy: boolean }> }[]>('GET', '/v1/nodes');
    expect(nodes.some((n) => n.Status === 'ready' && n.Drivers.raw_exec?.Healthy)).toBe(true);
  });

  it('runs a raw_exec job, streams its allocation events, then stops and purges it', async () => {
    const id = `harness-${randomUUID().slice(0, 8)}`;
    const reg = await api<{ EvalID: string; Index: number }>('PUT', '/v1/jobs', { Job: testJob(id) });
    expect(reg.EvalID).toMatch(/[0-9a-f-]{36}/);

    // Events from the registration's index on include the allocation reaching `running`.
    const events = await awaitEvent(
      `index=${reg.Index}&topic=Allocation:${id}`,
      (ev) => (ev.Payload.Allocation as AllocStub | undefined)?.ClientStatus === 'running',
      30_000,
    );
    expect(events.every((ev) => ev.Topic === 'Allocation')).toBe(true);
    expect(events.map((ev) => ev.Type)).toContain('PlanResult');

    const job = await api<{ ID: string; Status: string }>('GET', `/v1/job/${id}`);
    expect(job.ID).toBe(id);
    const allocs = await api<AllocStub[]>('GET', `/v1/job/${id}/allocations`);
    expect(allocs).toHaveLength(1);
    expect(allocs[0]!.ClientStatus).toBe('running');
    expect(allocs[0]!.TaskStates?.workspace?.State).toBe('running');

    await api('DELETE', `/v1/job/${id}?purge=true`);
    const gone = await fetch(`${addr}/v1/job/${id}`);
    expect(gone.status).toBe(404);
  });
});
