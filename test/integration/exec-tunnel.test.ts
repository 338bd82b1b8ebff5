// `command`'s tunnel against the real agent: a connection that freezes (a proxy that stops forwarding without
// closing) ends it with 255 and a message within the bound; ten quiet minutes (an idle SSH session) pass and the
// command succeeds; NOMAD_ADDR=unix://… carries the exec websocket too. The dev agent listens on TCP only, so the
// unix socket is a small forwarder to it. Concurrent: the quiet test takes ten minutes and the others need not wait.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const nomadAddr = inject('nomadAddr');
const machine = uniqueId('tunnel');
const env = devpodEnv(machine);
const dir = mkdtempSync(join(tmpdir(), 'exec-tunnel-'));
let proxy: TcpProxy;
let forwarder: Server;
const forwarded = new Set<Socket>();

beforeAll(async () => {
  const r = await cli(['create'], env);
  expect(r.code, r.stderr).toBe(0);
  proxy = await startTcpProxy(nomadAddr);
  const { hostname, port } = new URL(nomadAddr);
  forwarder = createServer((c) => {
    const up = connect(Number(port), hostname);
    forwarded.add(c).add(up);
    c.pipe(up).on('error', () => up.destroy());
    up.pipe(c).on('error', () => c.destroy());
  });
  await new Promise<void>((r) => forwarder.listen(join(dir, 'nomad.sock'), r));
});

afterAll(async () => {
  await clientFor(nomadAddr)
    .jobs.purge(jobIdFor(machine))
    .catch(() => undefined);
  await proxy?.close();
  for (const s of forwarded) s.destroy();
  await new Promise((r) => forwarder?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('command over the exec tunnel', () => {
  it('a connection that freezes mid-command ends it with 255 and says why on stderr, within 60 s', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const result = cli(['command'], { ...env, NOMAD_ADDR: proxy.address, COMMAND: 'echo started; sleep 600' }, undefined, {
      onStdout: (all) => all.toString() === 'started\n' && started(),
    });
    await running;
    proxy.freeze();
    const r = await result;
    expect([r.code, r.stdout.toString()]).toEqual([255, 'started\n']);
    expect(r.stderr).toMatch(
      /^devpod-provider-nomad: the connection to Nomad at http:\/\/127\.0\.0\.1:\d+ went silent: nothing came back for \d+ s, not even an answer to a websocket ping .*; the command may still be running in the workspace; exiting 255\n$/m,
    );
  }, 60_000);

  it('a command quiet for ten minutes (an idle SSH session) keeps its connection and succeeds', async () => {
    const r = await cli(['command'], { ...env, COMMAND: 'sleep 600; echo done' });
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'done\n', '']);
  }, 700_000);

  it('NOMAD_ADDR=unix://… runs the command over the socket, byte-exact, with its exit code', async () => {
    const unixEnv = { ...env, NOMAD_ADDR: `unix://${join(dir, 'nomad.sock')}` };
    const data = randomBytes(1024 * 1024);
    const cat = await cli(['command'], { ...unixEnv, COMMAND: 'cat' }, data);
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout.equals(data)).toBe(true);
    const code = await cli(['command'], { ...unixEnv, COMMAND: 'printf out; printf err >&2; exit 3' });
    expect([code.code, code.stdout.toString(), code.stderr]).toEqual([3, 'out', 'err']);
  });
});
