// Fault injection for the exec tunnel's start handshake and trailers: a stand-in for Nomad's exec websocket that
// runs the requested argv with the real /bin/sh here and relays frames as Nomad does, but can end a session the
// two ways Nomad's docker driver does: before the command started (its ExecInspect race), or before all of the
// output arrived (hashicorp/nomad#27146). The real-engine proof is test/integration/exec-stress.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { resolveConnection } from '../../src/adapters/nomad/connection.js';
import { execInAllocation, OUTPUT_LOST_EXIT } from '../../src/adapters/nomad/exec.js';
import { NomadHttp } from '../../src/adapters/nomad/http.js';

type Fault = 'none' | 'endBeforeStart' | 'cutOutput';
let faults: Fault[] = [];
let server: WebSocketServer;
let http: NomadHttp;
const dir = mkdtempSync(join(tmpdir(), 'exec-faults-'));

function relay(ws: WebSocket, argv: string[], fault: Fault): void {
  // No linger: nothing here needs the wrapper to stay after its trailers.
  const child = spawn(argv[0]!, [argv[1]!, argv[2]!.replace(/sleep \d+/, 'sleep 0'), ...argv.slice(3)], { stdio: 'pipe' });
  const send = (frame: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(frame));
  const exited = (code: number) => {
    send({ exited: true, result: code ? { exit_code: code } : {} });
    ws.close(1000);
  };
  let sent = 0;
  child.stdout.on('data', (b: Buffer) => {
    send({ stdout: { data: b.toString('base64') } });
    sent += b.length;
    // Nomad's docker driver closes the output as soon as Docker says the process ended; here: mid-stream.
    if (fault === 'cutOutput' && sent > 1000) exited(0);
  });
  child.stderr.on('data', (b: Buffer) => send({ stderr: { data: b.toString('base64') } }));
  child.on('close', (code) => exited(code ?? 1));
  ws.on('message', (raw) => {
    const f = JSON.parse(raw.toString()) as { stdin?: { data?: string; close?: boolean } };
    if (f.stdin?.data) child.stdin.write(Buffer.from(f.stdin.data, 'base64'));
    if (f.stdin?.close) child.stdin.end();
  });
  ws.on('close', () => child.kill());
  if (fault === 'endBeforeStart') {
    // Nomad saw "not running, exit 0" before Docker started the process, returned, and closed the exec's stdin;
    // the process still starts afterwards, on its own.
    exited(0);
    child.stdin.end();
  }
}

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (ws, req) => {
    const argv = JSON.parse(new URL(req.url!, 'http://x').searchParams.get('command')!) as string[];
    relay(ws, argv, faults.shift() ?? 'none');
  });
  await new Promise((r) => server.once('listening', r));
  http = new NomadHttp(resolveConnection({}, { address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(script: string, input: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => errs.push(c));
  const restarts: number[] = [];
  const result = await execInAllocation(http, {
    allocId: 'a1', task: 'workspace', command: ['/bin/sh', '-c', script], tty: false, trailers: true,
    stdin: Readable.from([Buffer.from(input)]), stdout: out, stderr: err, onRestart: (n) => restarts.push(n),
  }).then((code) => ({ code }), (e: Error) => ({ error: e.message }));
  return { ...result, stdout: Buffer.concat(chunks).toString(), stderr: Buffer.concat(errs).toString(), restarts };
}

const ranCount = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

describe('exec start handshake and trailers (faults injected)', () => {
  it('a session Nomad ends before the command started is run again, and the command runs exactly once with all of its stdin', async () => {
    const file = join(dir, 'once');
    faults = ['endBeforeStart', 'endBeforeStart'];
    const r = await run(`echo ran >> ${file}; cat; echo warn >&2; exit 7`, 'the whole input\n');
    expect(r).toMatchObject({ code: 7, stdout: 'the whole input\n', stderr: 'warn\n', restarts: [1, 2] });
    await new Promise((res) => setTimeout(res, 200)); // the ended sessions' wrappers have read EOF and gone
    expect(ranCount(file)).toBe(1);
  });

  it('output cut short by Nomad exits 255 with a message, never 0', async () => {
    faults = ['cutOutput'];
    const r = await run('head -c 100000 /dev/zero', '');
    expect(r).toMatchObject({ code: OUTPUT_LOST_EXIT });
    expect(r.stdout.length).toBeLessThan(100_000);
    expect(r.stderr).toMatch(/output is incomplete: Nomad ended the exec \(exit 0\) before its end-of-output marker arrived; exiting 255/);
  });

  it('gives up after five sessions that all ended before the start, saying the command did not run', async () => {
    const file = join(dir, 'never');
    faults = Array(5).fill('endBeforeStart');
    const r = await run(`echo ran >> ${file}`, '');
    expect(r).toMatchObject({ error: expect.stringMatching(/ended the exec 5 times before the command started .*the command did not run/), restarts: [1, 2, 3, 4] });
    await new Promise((res) => setTimeout(res, 200));
    expect(ranCount(file)).toBe(0);
  });

  it('without faults: byte-exact both ways, stdout and stderr apart, the exit code passed on', async () => {
    const input = Buffer.from(Array.from({ length: 5000 }, (_, i) => String.fromCharCode(i % 256)).join(''), 'latin1').toString('latin1');
    const r = await run('cat; printf e >&2; exit 3', input);
    expect(r).toMatchObject({ code: 3, stderr: 'e', restarts: [] });
    expect(r.stdout).toBe(input);
  });
});
