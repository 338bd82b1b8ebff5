// The end-of-output trailer scanner (exec on container drivers): whatever way the stream is cut into frames, the
// output comes out exactly, the trailer never leaks, and the exit code is read from it.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newMarkers, ReadyScanner, TrailerScanner, trailerCommand } from '../../src/adapters/nomad/exec-trailer.js';
import { cutAt } from '../helpers/chunks.js';

function run(marker: string, withCode: boolean, frames: Buffer[]): { out: Buffer; scanner: TrailerScanner } {
  const scanner = new TrailerScanner(marker, withCode);
  const out = Buffer.concat(frames.map((f) => scanner.push(f)));
  return { out, scanner };
}

describe('TrailerScanner', () => {
  it('strips the stdout trailer and reads the exit code, however the frames are cut', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (output, code, cuts) => {
          const marker = newMarkers().end;
          const whole = Buffer.concat([Buffer.from(output), Buffer.from(`${marker}${code}:`)]);
          const { out, scanner } = run(marker, true, cutAt(whole, cuts));
          expect(out.equals(Buffer.from(output))).toBe(true);
          expect(scanner.done).toBe(true);
          expect(scanner.code).toBe(code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('still finds the trailer when held-back bytes were released early, and counts the trailer bytes that went out', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 13 }),
        (output, cuts, releases) => {
          const marker = newMarkers().end;
          const whole = Buffer.concat([Buffer.from(output), Buffer.from(`${marker}7:`)]);
          const scanner = new TrailerScanner(marker, true);
          // A release after a frame is what the session does when a round trip shows nothing more is on its way.
          const out = Buffer.concat(cutAt(whole, cuts).flatMap((f, i) => [scanner.push(f), releases[i] ? scanner.flush() : Buffer.alloc(0)]));
          expect(scanner.done).toBe(true);
          expect(scanner.code).toBe(7);
          expect(out.subarray(0, output.length).equals(Buffer.from(output))).toBe(true);
          expect(out.subarray(output.length).toString()).toBe(marker.slice(0, scanner.leaked));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never releases bytes of a trailer already found while its exit code is still on the way', () => {
    const marker = newMarkers().end;
    const scanner = new TrailerScanner(marker, true);
    expect(scanner.push(Buffer.from(`out${marker}1`)).toString()).toBe('out');
    expect([scanner.holding, scanner.flush().length, scanner.done]).toEqual([false, 0, false]);
    expect(scanner.push(Buffer.from('2:')).length).toBe(0);
    expect([scanner.done, scanner.code, scanner.leaked]).toEqual([true, 12, 0]);
  });

  it('strips the stderr trailer (no code) and ignores anything after it', () => {
    const marker = newMarkers().end;
    const { out, scanner } = run(marker, false, [Buffer.from('warn'), Buffer.from(marker.slice(0, 5)), Buffer.from(`${marker.slice(5)}late`)]);
    expect(out.toString()).toBe('warn');
    expect(scanner.done).toBe(true);
  });

  it('holds back only an end that is the start of the marker, and gives it back when no trailer comes', () => {
    const marker = newMarkers().end;
    const plain = run(marker, true, [Buffer.from('Password:')]);
    expect(plain.out.toString()).toBe('Password:');
    expect(plain.scanner.holding).toBe(false);
    const { out, scanner } = run(marker, true, [Buffer.from(`abc${marker.slice(0, 9)}`)]);
    expect(out.toString()).toBe('abc');
    expect(scanner.holding).toBe(true);
    expect(scanner.flush().toString()).toBe(marker.slice(0, 9));
  });
});

describe('ReadyScanner', () => {
  it('takes the ready marker off the front of stdout however it is cut, and passes what follows', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.array(fc.nat(), { maxLength: 8 }), (after, cuts) => {
        const { ready } = newMarkers();
        const scanner = new ReadyScanner(ready);
        const out = Buffer.concat(cutAt(Buffer.concat([Buffer.from(ready), Buffer.from(after)]), cuts).map((f) => scanner.push(f)));
        expect(scanner.ready).toBe(true);
        expect(out.equals(Buffer.from(after))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses output that is not the marker (no POSIX sh in the task), naming what came instead', () => {
    const scanner = new ReadyScanner(newMarkers().ready);
    expect(() => scanner.push(Buffer.from('exec failed: no such file'))).toThrow(/printed "exec failed: no such file" before its ready marker/);
  });
});

describe('trailerCommand', () => {
  it('prints the ready marker, runs the original argv only after the nonce line, then the trailers, and keeps the exit code', () => {
    const m = { ready: ':r:', nonce: 'n0', end: ':m:' };
    const argv = trailerCommand(['/bin/sh', '-c', 'echo "$HOME"'], m);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual(['sh', '/bin/sh', '-c', 'echo "$HOME"']);
    expect(argv[2]).toMatch(
      /^printf '%s' ':r:'; IFS= read -r go && \[ "\$go" = 'n0' \] \|\| exit 125; "\$@"; rc=\$\?; printf '%s%d:' ':m:' "\$rc"; printf '%s' ':m:' >&2; sleep \d+; exit "\$rc"$/,
    );
  });

  it('the wrapper, run by a real sh, never runs the command without the nonce, and hands it the stdin that follows', () => {
    const m = newMarkers();
    const argv = trailerCommand(['/bin/sh', '-c', 'cat; exit 3'], m);
    // Without the linger (the client ends the session on the trailers; here nobody does).
    const script = argv[2]!.replace(/sleep \d+/, 'sleep 0');
    const sh = (input: string) => spawnSync('/bin/sh', ['-c', script, ...argv.slice(3)], { input, encoding: 'latin1', timeout: 20_000 });
    const refused = sh('wrong\nsecret input');
    expect([refused.status, refused.stdout]).toEqual([125, m.ready]);
    const eof = sh('');
    expect([eof.status, eof.stdout]).toEqual([125, m.ready]);
    const ran = sh(`${m.nonce}\nline 1\nline 2`);
    expect([ran.status, ran.stdout, ran.stderr]).toEqual([3, `${m.ready}line 1\nline 2${m.end}3:`, m.end]);
  });
});
