// The end-of-output trailer scanner (exec on container drivers): whatever way the stream is cut into frames, the
// output comes out exactly, the trailer never leaks, and the exit code is read from it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newMarker, TrailerScanner, trailerCommand } from '../../src/adapters/nomad/exec-trailer.js';
import { cutAt } from '../helpers/chunks.js';

function run(marker: string, withCode: boolean, frames: Buffer[]): { out: Buffer; scanner: TrailerScanner } {
  const scanner = new TrailerScanner(marker, withCode);
  const out = Buffer.concat(frames.map((f) => scanner.push(f)));
  return { out, scanner };
}

describe('TrailerScanner', () => {
  it('strips the stdout trailer and reads the exit code, however the frames are cut', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 255 }), fc.array(fc.nat(), { maxLength: 12 }), (output, code, cuts) => {
      const marker = newMarker();
      const whole = Buffer.concat([Buffer.from(output), Buffer.from(`${marker}${code}:`)]);
      const { out, scanner } = run(marker, true, cutAt(whole, cuts));
      expect(out.equals(Buffer.from(output))).toBe(true);
      expect(scanner.done).toBe(true);
      expect(scanner.code).toBe(code);
    }), { numRuns: 500 });
  });

  it('strips the stderr trailer (no code) and ignores anything after it', () => {
    const marker = newMarker();
    const { out, scanner } = run(marker, false, [Buffer.from('warn'), Buffer.from(marker.slice(0, 5)), Buffer.from(`${marker.slice(5)}late`)]);
    expect(out.toString()).toBe('warn');
    expect(scanner.done).toBe(true);
  });

  it('holds back only an end that is the start of the marker, and gives it back when no trailer comes', () => {
    const marker = newMarker();
    const plain = run(marker, true, [Buffer.from('Password:')]);
    expect(plain.out.toString()).toBe('Password:');
    expect(plain.scanner.holding).toBe(false);
    const { out, scanner } = run(marker, true, [Buffer.from(`abc${marker.slice(0, 9)}`)]);
    expect(out.toString()).toBe('abc');
    expect(scanner.holding).toBe(true);
    expect(scanner.flush().toString()).toBe(marker.slice(0, 9));
  });
});

describe('trailerCommand', () => {
  it('runs the original argv as "$@" of an sh wrapper that prints the trailers, lingers and keeps the exit code', () => {
    const argv = trailerCommand(['/bin/sh', '-c', 'echo "$HOME"'], ':m:');
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv.slice(3)).toEqual(['sh', '/bin/sh', '-c', 'echo "$HOME"']);
    expect(argv[2]).toMatch(/^"\$@"; rc=\$\?; printf '%s%d:' ':m:' "\$rc"; printf '%s' ':m:' >&2; sleep \d+; exit "\$rc"$/);
  });
});
