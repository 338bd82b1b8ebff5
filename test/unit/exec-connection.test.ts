// The exec tunnel's connection against small loopback servers: answers to the upgrade other than 101, an upgrade
// that never comes, a connection that goes silent or breaks after it opened, and a quiet one that answers pings.
// The proofs against the real agent (a frozen proxy, ten quiet minutes, a unix socket) are in
// test/integration/exec-tunnel.test.ts.
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { resolveConnection } from '../../src/adapters/nomad/connection.js';
import { execInAllocation, OUTPUT_LOST_EXIT, type ExecRequest } from '../../src/adapters/nomad/exec.js';
import { NomadHttp } from '../../src/adapters/nomad/http.js';

/** What the server does with an upgrade, by the task named in it. */
type Mode = `status:${number}:${string}` | 'never' | 'silent' | 'quiet' | 'drop' | 'slowReader';

let server: Server;
let uplink: NetServer;
let address: string;
const sockets = new Set<Socket>();
const wss = new WebSocketServer({ noServer: true, autoPong: false });

beforeAll(async () => {
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    sockets.add(socket as Socket);
    const mode = new URL(req.url!, 'http://x').searchParams.get('task') as Mode;
    if (mode.startsWith('status:')) {
      const [, status, body] = mode.split(':');
      const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 502: 'Bad Gateway' }[Number(status)];
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body!.length}\r\n\r\n${body}`);
      return;
    }
    if (mode === 'never') return; // accepted, never answered
    wss.handleUpgrade(req, socket, head, (ws) => {
      const out = (data: string) => ws.send(JSON.stringify({ stdout: { data: Buffer.from(data).toString('base64') } }));
      out('started\n');
      if (mode === 'quiet') {
        // Nothing for several times deadMs, but every ping answered: a quiet, live command.
        ws.on('ping', (d: Buffer) => ws.pong(d));
        setTimeout(() => {
          out('done\n');
          ws.send(JSON.stringify({ exited: true, result: {} }));
          ws.close(1000);
        }, 2_000);
      }
      if (mode === 'drop') setTimeout(() => (socket as Socket).destroy(), 200);
      if (mode === 'slowReader') {
        // No pongs; reached through `uplink`, which passes 16 MiB/s: pings wait behind megabytes of stdin.
        let got = 0;
        ws.on('message', (raw) => {
          const f = JSON.parse(raw.toString()) as { stdin?: { data?: string; close?: boolean } };
          got += f.stdin?.data ? Buffer.from(f.stdin.data, 'base64').length : 0;
          if (!f.stdin?.close) return;
          out(`${got}\n`);
          ws.send(JSON.stringify({ exited: true, result: {} }));
          ws.close(1000);
        });
      }
      // 'silent': nothing more, and no pongs, as behind a NAT that dropped the connection.
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  address = `http://127.0.0.1:${port}`;
  // A slow uplink: what we send reaches the server at 16 MiB/s; what it sends comes back at once.
  uplink = createNetServer((c) => {
    const up = connect(port, '127.0.0.1');
    sockets.add(c).add(up);
    c.on('data', (chunk: Buffer) => {
      up.write(chunk);
      c.pause();
      setTimeout(() => c.resume(), chunk.length / (16 * 1024));
    });
    up.pipe(c);
    c.on('error', () => up.destroy()).on('close', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => uplink.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  uplink.close();
  wss.close();
  await new Promise((r) => server.close(r));
});

const timing = { handshakeMs: 300, pingMs: 100, deadMs: 500, retryMs: 100 };

interface ExecOptions {
  conn?: { httpAuth?: string; token?: string };
  stdin?: Readable;
  /** Another way to the server (the slow uplink). */
  via?: string;
  timing?: ExecRequest['timing'];
}

async function exec(mode: Mode, opts: ExecOptions = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const http = new NomadHttp(resolveConnection({}, { address: opts.via ?? address, ...opts.conn }));
  const req: ExecRequest = {
    allocId: 'a1b2c3d4-0000',
    task: mode,
    command: ['true'],
    tty: false,
    stdin: opts.stdin ?? null,
    stdout,
    stderr,
    timing: opts.timing ?? timing,
  };
  const result = await execInAllocation(http, req).then(
    (code) => ({ code }),
    (e: Error) => ({ error: e.message, kind: (e as { kind?: string }).kind }),
  );
  return { ...result, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('the exec websocket upgrade answered with something other than 101', () => {
  const head = (status: string) =>
    `^the exec websocket upgrade for allocation a1b2c3d4 at http://127\\.0\\.0\\.1:\\d+ was answered with HTTP ${status}, not 101 Switching Protocols\\. `;
  it.each([
    [
      '401 from an auth proxy, no NOMAD_HTTP_AUTH',
      'status:401:authentication required',
      {},
      'forbidden',
      `${head('401 Unauthorized: authentication required')}Nomad, or a proxy in front of it, asks for HTTP authentication: set NOMAD_HTTP_AUTH=user:password\\.$`,
    ],
    [
      '401 with NOMAD_HTTP_AUTH set',
      'status:401:',
      { httpAuth: 'me:wrong' },
      'forbidden',
      `${head('401 Unauthorized')}.*check the user:password in NOMAD_HTTP_AUTH\\.$`,
    ],
    [
      '403',
      'status:403:denied',
      { token: 's3cret' },
      'forbidden',
      `${head('403 Forbidden: denied')}Either the token in NOMAD_TOKEN lacks "alloc-exec" in namespace "default" \\(and "alloc-node-exec" for raw_exec tasks\\), or a proxy in front of Nomad refuses this client or websocket upgrades\\.$`,
    ],
    [
      '404',
      'status:404:no route',
      {},
      'notFound',
      `${head('404 Not Found: no route')}NOMAD_ADDR must be Nomad's HTTP API itself, or a proxy that passes /v1/client/allocation/<id>/exec and websocket upgrades through to it\\.$`,
    ],
    [
      '502',
      'status:502:upstream',
      {},
      'server',
      `${head('502 Bad Gateway: upstream')}A proxy in front of Nomad may not pass websocket upgrades through .*, or NOMAD_ADDR points at something other than Nomad\\.$`,
    ],
  ] as const)('%s: says what answered and what to check', async (_name, mode, conn, kind, message) => {
    const r = await exec(mode as Mode, { conn });
    expect(r).toMatchObject({ kind, error: expect.stringMatching(new RegExp(message)) });
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });

  it('an upgrade nobody answers ends within the handshake timeout, naming it', async () => {
    const r = await exec('never');
    expect(r).toMatchObject({
      kind: 'unreachable',
      error: expect.stringMatching(/^Nomad at http:\/\/127\.0\.0\.1:\d+ did not answer the exec websocket upgrade within 0\.3 s: check NOMAD_ADDR/),
    });
  });
});

describe('the pulse of an open exec', () => {
  it('a connection that goes silent (no frames, no pongs) ends the exec with 255 and says so on stderr', async () => {
    const r = await exec('silent');
    expect(r).toMatchObject({ code: OUTPUT_LOST_EXIT, stdout: 'started\n' });
    expect(r.stderr).toMatch(
      /^devpod-provider-nomad: the connection to Nomad at http:\/\/127\.0\.0\.1:\d+ went silent: nothing came back for \d+ s, not even an answer to a websocket ping \(a NAT or proxy dropped it, or Nomad stopped answering\); the command may still be running in the workspace; exiting 255\n$/,
    );
  });

  it('a quiet command whose connection answers pings runs on well past the silence bound', async () => {
    const r = await exec('quiet');
    expect(r).toEqual({ code: 0, stdout: 'started\ndone\n', stderr: '' });
  });

  it('stdin leaving at the pace Nomad takes it is a sign of life, though no pong comes back in time', async () => {
    const size = 48 * 1024 * 1024;
    // In 64 KiB chunks, as a pipe gives them: several seconds at the uplink's pace, well over the silence bound.
    // (The bound is longer than elsewhere in this file: the last megabytes leave from the kernel's buffers, which
    // we cannot watch.)
    const chunks = Array.from({ length: size / 65536 }, () => Buffer.alloc(65536, 7));
    const r = await exec('slowReader', {
      stdin: Readable.from(chunks),
      via: `http://127.0.0.1:${(uplink.address() as AddressInfo).port}`,
      timing: { ...timing, deadMs: 2_000 },
    });
    expect(r).toEqual({ code: 0, stdout: `started\n${size}\n`, stderr: '' });
  }, 30_000);

  it('a connection that breaks after the upgrade ends the exec with 255, not a Nomad error', async () => {
    const r = await exec('drop');
    expect(r).toMatchObject({ code: OUTPUT_LOST_EXIT, stdout: 'started\n' });
    expect(r.stderr).toMatch(
      /the connection to Nomad at .* closed before the command's exit code arrived \(websocket code 1006\); the command may still be running in the workspace; exiting 255\n$/,
    );
  });
});
