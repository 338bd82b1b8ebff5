// Framed stdin (exec-stdin-frames.ts) run by real shells: dash (Debian's /bin/sh), busybox ash and bash decode the
// frames exactly, however the bytes are cut and whatever they hold, and the command sees EOF at the end frame. The
// podman test (test/integration/podman-driver.test.ts) proves it through Nomad and podman.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FRAMED_END, frameChunk, NO_FIFO_EXIT } from '../../src/adapters/nomad/exec-stdin-frames.js';
import { newMarkers, trailerCommand } from '../../src/adapters/nomad/exec-trailer.js';

const SHELLS: string[][] = [['/bin/dash'], ['/bin/busybox', 'sh'], ['/bin/bash']];

function wrapper(command: string[]) {
  const m = newMarkers();
  const argv = trailerCommand(command, m, true);
  return { m, script: argv[2]!.replace(/sleep \d+/, 'sleep 0'), rest: argv.slice(3) };
}

describe.each(SHELLS.map((argv) => ({ argv, name: argv.join(' ') })))('framed stdin under $name', ({ argv }) => {
  const [file, ...pre] = argv as [string, ...string[]];
  const run = (command: string[], input: Buffer, env: NodeJS.ProcessEnv = process.env) => {
    const { m, script, rest } = wrapper(command);
    const r = spawnSync(file, [...pre, '-c', script, ...rest], {
      input: Buffer.concat([Buffer.from(`${m.nonce}\n`), input]),
      timeout: 20_000,
      env,
    });
    return { m, status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
  };

  it('gives the command every byte, then EOF, with its exit code', () => {
    const chunks = [randomBytes(1), Buffer.from('0\n12\n'), randomBytes(70_000), randomBytes(3)];
    const r = run(['/bin/sh', '-c', 'cat; exit 4'], Buffer.concat([...chunks.map(frameChunk), FRAMED_END]));
    expect(r.status).toBe(4);
    expect(r.stdout.equals(Buffer.concat([Buffer.from(r.m.ready), ...chunks, Buffer.from(`${r.m.end}4:`)]))).toBe(true);
  });

  it('ends when the command does, with stdin still open and unread', async () => {
    const { m, script, rest } = wrapper(['/bin/sh', '-c', 'head -c 1; exit 9']);
    const child = spawn(file, [...pre, '-c', script, ...rest], { stdio: ['pipe', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stdin.write(Buffer.concat([Buffer.from(`${m.nonce}\n`), frameChunk(Buffer.from('xyz'))]));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    child.stdin.destroy();
    expect(code).toBe(9);
    expect(Buffer.concat(out).toString('latin1')).toBe(`${m.ready}x${m.end}9:`);
  });

  it('says so, with its own exit code, when the task cannot make the FIFO', () => {
    const r = run(['/bin/sh', '-c', 'cat'], FRAMED_END, { ...process.env, TMPDIR: '/nonexistent/dir' });
    expect(r.status).toBe(NO_FIFO_EXIT);
    expect(r.stderr).toMatch(/cannot make a FIFO in the task \(mktemp -d, mkfifo\) to pass stdin on/);
  });
});

describe('frames', () => {
  it('are the length, a newline and the bytes; the end is a zero length', () => {
    expect(frameChunk(Buffer.from('abc')).toString()).toBe('3\nabc');
    expect(FRAMED_END.toString()).toBe('0\n');
  });
});
