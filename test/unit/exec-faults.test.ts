// Fault injection for the exec tunnel's start handshake and trailers: a stand-in for Nomad's exec websocket that
// runs the requested argv with the real /bin/sh here and relays frames as Nomad does, but can end a session the
// two ways Nomad's docker driver does: before the command started (its ExecInspect race), or before all of the
// output arrived (hashicorp/nomad#27146); and can split an end-of-output marker between two frames that arrive
// far apart. What it writes goes out in order, pongs included, as on the one TCP connection gorilla/websocket
// writes to (a pong queues behind the frames before it). The real-engine proof is
// test/integration/exec-stress.test.ts.
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
import { HOLD_BACK_MS, newMarkers } from '../../src/adapters/nomad/exec-trailer.js';
import { NomadHttp } from '../../src/adapters/nomad/http.js';

type Fault = 'none' | 'endBeforeStart' | 'cutOutput';
let faults: Fault[] = [];
let server: WebSocketServer;
let http: NomadHttp;
const dir = mkdtempSync(join(tmpdir(), 'exec-faults-'));
/** Longer than the hold-back, so the halves of a split marker arrive further apart than it. */
const APART_MS = HOLD_BACK_MS * 3;

/**
 * A marker split for one session, named by the session's task: `split:<stream>:<at>[:overtake]` sends the
 * marker's first `at` bytes, then the rest APART_MS later; with `overtake`, pongs do not wait in line (as if
 * something between Nomad's agent and the task held the rest up).
 */
interface Split {
  stream: 'stdout' | 'stderr';
  at: number;
  overtake: boolean;
}

function parseSplit(task: string): Split | undefined {
  const [kind, stream, at, overtake] = task.split(':');
  return kind === 'split' ? { stream: stream as Split['stream'], at: Number(at), overtake: overtake === 'overtake' } : undefined;
}

/** What the server writes, in order; a pause holds up everything after it. */
class Wire {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly ws: WebSocket) {}
  frame(f: object): void {
    this.queue(() => this.ws.send(JSON.stringify(f)));
  }
  pong(data: Buffer): void {
    this.queue(() => this.ws.pong(data));
  }
  pause(ms: number): void {
    this.queue(() => new Promise((r) => setTimeout(r, ms)));
  }
  close(): void {
    this.queue(() => this.ws.close(1000));
  }
  private queue(fn: () => unknown): void {
    this.chain = this.chain.then(() => (this.ws.readyState === this.ws.OPEN ? fn() : undefined));
  }
}

/**
 * Passes a stream's bytes on, but cuts the end marker `at` bytes in, with a pause between the halves. The first
 * `skip` bytes (stdout's ready marker) go through as they come.
 */
function splitter(marker: Buffer, at: number, skip: number, send: (b: Buffer) => void, pause: () => void): (b: Buffer) => void {
  let buf = Buffer.alloc(0);
  let done = false;
  return (chunk) => {
    if (done) return send(chunk);
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      send(chunk.subarray(0, n));
      chunk = chunk.subarray(n);
      skip -= n;
    }
    buf = Buffer.concat([buf, chunk]);
    const i = buf.indexOf(marker);
    if (i >= 0 && buf.length >= i + at) {
      done = true;
      send(buf.subarray(0, i + at));
      pause();
      if (buf.length > i + at) send(buf.subarray(i + at));
      return;
    }
    // Keep back what may be the start of the marker (or, once it is here, what the cut needs).
    let keep = i >= 0 ? buf.length - i : 0;
    for (let n = Math.min(buf.length, marker.length - 1); n > keep; n--) {
      if (buf.subarray(buf.length - n).equals(marker.subarray(0, n))) keep = n;
    }
    if (buf.length > keep) send(buf.subarray(0, buf.length - keep));
    buf = buf.subarray(buf.length - keep);
  };
}

function relay(ws: WebSocket, argv: string[], fault: Fault, split?: Split): void {
  // No linger: nothing here needs the wrapper to stay after its trailers.
  const child = spawn(argv[0]!, [argv[1]!, argv[2]!.replace(/sleep \d+/, 'sleep 0'), ...argv.slice(3)], { stdio: 'pipe' });
  const wire = new Wire(ws);
  ws.on('ping', (data: Buffer) => (split?.overtake ? ws.pong(data) : wire.pong(data)));
  const exited = (code: number) => {
    wire.frame({ exited: true, result: code ? { exit_code: code } : {} });
    wire.close();
  };
  const [, ready = '', end = ''] = /^printf '%s' '([^']+)';.*printf '%s' '([^']+)' >&2/.exec(argv[2]!) ?? [];
  const out = (stream: 'stdout' | 'stderr') => {
    const send = (b: Buffer) => void (b.length && wire.frame({ [stream]: { data: b.toString('base64') } }));
    const skip = stream === 'stdout' ? ready.length : 0;
    return split?.stream === stream ? splitter(Buffer.from(end), split.at, skip, send, () => wire.pause(APART_MS)) : send;
  };
  const stdout = out('stdout');
  let sent = 0;
  child.stdout.on('data', (b: Buffer) => {
    stdout(b);
    sent += b.length;
    // Nomad's docker driver closes the output as soon as Docker says the process ended; here: mid-stream.
    if (fault === 'cutOutput' && sent > 1000) exited(0);
  });
  child.stderr.on('data', out('stderr'));
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
  // Pongs are the relay's to send, in line with its frames.
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
  server.on('connection', (ws, req) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    const split = parseSplit(q.get('task')!);
    relay(ws, JSON.parse(q.get('command')!) as string[], split ? 'none' : (faults.shift() ?? 'none'), split);
  });
  await new Promise((r) => server.once('listening', r));
  http = new NomadHttp(resolveConnection({}, { address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(script: string, input: string | Readable, task = 'workspace') {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => errs.push(c));
  const restarts: number[] = [];
  const result = await execInAllocation(http, {
    allocId: 'a1',
    task,
    command: ['/bin/sh', '-c', script],
    tty: false,
    trailers: true,
    stdin: typeof input === 'string' ? Readable.from([Buffer.from(input)]) : input,
    stdout: out,
    stderr: err,
    onRestart: (n) => restarts.push(n),
  }).then(
    (code) => ({ code }),
    (e: Error) => ({ error: e.message }),
  );
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
    expect(r).toMatchObject({
      error: expect.stringMatching(/ended the exec 5 times before the command started .*the command did not run/),
      restarts: [1, 2, 3, 4],
    });
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

describe('an end-of-output marker split between frames that arrive far apart', () => {
  // The stdout trailer is `<marker><code>:` (here the code is 3), the stderr one `<marker>`.
  const marker = newMarkers().end.length;
  const trailer = { stdout: marker + 2, stderr: marker };
  const cuts = (stream: keyof typeof trailer) => Array.from({ length: trailer[stream] - 1 }, (_, i) => i + 1);

  it.each(['stdout', 'stderr'] as const)(
    "is found on %s wherever it is cut: the output exact, the exit code the command's",
    async (stream) => {
      const results = [];
      // A few at a time: each is a real sh, and each waits APART_MS.
      for (const batch of chunked(cuts(stream), 8)) {
        results.push(
          ...(await Promise.all(
            batch.map(async (at) => ({ at, ...(await run('printf out; printf err >&2; exit 3', '', `split:${stream}:${at}`)) })),
          )),
        );
      }
      for (const r of results) expect(r, `cut at byte ${r.at}`).toMatchObject({ code: 3, stdout: 'out', stderr: 'err' });
    },
    60_000,
  );

  it('an end of output that only looks like the start of a marker still reaches an interactive reader', async () => {
    const input = new PassThrough();
    const out = new PassThrough();
    const seen: Buffer[] = [];
    out.on('data', (c: Buffer) => {
      seen.push(c);
      // The command waits for this answer before it writes more: held back for good, it would hang.
      if (Buffer.concat(seen).toString('latin1') === 'ask\x1e') input.end('yes\n');
    });
    const code = await execInAllocation(http, {
      allocId: 'a1',
      task: 'workspace',
      command: ['/bin/sh', '-c', 'printf "ask\\036"; read a; printf " %s" "$a"'],
      tty: false,
      trailers: true,
      stdin: input,
      stdout: out,
      stderr: new PassThrough(),
    });
    expect([code, Buffer.concat(seen).toString('latin1')]).toEqual([0, 'ask\x1e yes']);
  });

  it('when a pong overtakes the rest of the marker (held up beyond the agent), the marker bytes that went out are owned up to: exit 255, never 0', async () => {
    const r = await run('printf out', '', 'split:stdout:5:overtake');
    expect(r).toMatchObject({ code: OUTPUT_LOST_EXIT });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: 0x1e (record separator) opens the end-of-output marker.
    expect(r.stdout).toMatch(/^out\x1edevp$/);
    expect(r.stderr).toMatch(
      /the command exited 0, but 5 bytes of its end-of-output marker were passed on as output before the rest of the marker arrived.*; exiting 255\n$/,
    );
  });
});

function chunked<T>(items: T[], n: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));
}
