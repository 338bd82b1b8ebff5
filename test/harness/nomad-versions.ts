// Tests of features that only some Nomad versions have. On the harness's Nomad (1.6.1 by default; NOMAD_BIN may
// point at a team's own build) a test either runs or is reported as not run, by name and reason: each one not run is
// written to test-artifacts/not-run/, and the global teardown prints them all, so none is skipped in silence.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestFunction } from 'vitest';
import { ARTIFACTS } from './machine-coverage.js';
import { harnessNomadVersion } from './nomad-agent.js';

const NOT_RUN_DIR = join(ARTIFACTS, 'not-run');

type Version = [number, number, number];

const atLeast = (a: Version, b: Version) => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
};

/** What a test needs of the harness's Nomad: `since` (inclusive) and/or `before` (exclusive), and which feature. */
export interface NomadRange {
  since?: Version;
  before?: Version;
  feature: string;
}

export function nomadHas(range: NomadRange): boolean {
  const v = harnessNomadVersion();
  return (!range.since || atLeast(v, range.since)) && (!range.before || !atLeast(v, range.before));
}

function why(range: NomadRange): string {
  const need = [range.since && `Nomad ${range.since.join('.')} or newer`, range.before && `Nomad before ${range.before.join('.')}`]
    .filter(Boolean)
    .join(' and ');
  return `${range.feature}: needs ${need}; the harness runs Nomad ${harnessNomadVersion().join('.')}`;
}

function recordNotRun(name: string, reason: string, kind: 'test' | 'group'): void {
  mkdirSync(NOT_RUN_DIR, { recursive: true });
  appendFileSync(join(NOT_RUN_DIR, `${process.pid}.jsonl`), `${JSON.stringify({ name, why: reason, kind })}\n`);
}

const record = (name: string, range: NomadRange, kind: 'test' | 'group') => recordNotRun(name, why(range), kind);

/** `it` that runs only on a Nomad in `range`, and otherwise is skipped with its reason recorded. */
export function itOnNomad(range: NomadRange) {
  return (name: string, fn: TestFunction, timeout?: number) => {
    if (nomadHas(range)) return it(name, fn, timeout);
    record(name, range, 'test');
    return it.skip(`${name} [not run: ${why(range)}]`, fn);
  };
}

/** `describe` that runs only on a Nomad in `range`; otherwise the block is recorded once, by name, with its reason. */
export function describeOnNomad(range: NomadRange) {
  return (name: string, fn: () => void) => {
    if (nomadHas(range)) return describe(name, fn);
    record(name, range, 'group');
    return describe.skip(`${name} [not run: ${why(range)}]`, fn);
  };
}

export function resetNotRun(): void {
  rmSync(NOT_RUN_DIR, { recursive: true, force: true });
}

/** A test, or a group of tests (a describe block, whose every test vitest counts as skipped), not run. */
export interface NotRun {
  name: string;
  why: string;
  kind: 'test' | 'group';
}

/** The tests (or blocks) not run, with their reasons, as recorded by the workers. */
export function notRun(): NotRun[] {
  if (!existsSync(NOT_RUN_DIR)) return [];
  const seen = new Map<string, NotRun>();
  for (const f of readdirSync(NOT_RUN_DIR)) {
    for (const line of readFileSync(join(NOT_RUN_DIR, f), 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as NotRun;
      seen.set(`${entry.name}\n${entry.why}`, entry);
    }
  }
  return [...seen.values()];
}

/**
 * `describe` that runs only when `ok`; otherwise the block is recorded once, by name, with `why` (a part of the
 * machine the tests need that it cannot provide, e.g. a systemd container that does not boot).
 */
export function describeIf(ok: boolean, why: string) {
  return (name: string, fn: () => void) => {
    if (ok) return describe(name, fn);
    recordNotRun(name, why, 'group');
    return describe.skip(`${name} [not run: ${why}]`, fn);
  };
}

/** `it` that runs only when `ok`; otherwise the test is recorded, by name, with `why` (as describeIf does). */
export function itIf(ok: boolean, why: string) {
  return (name: string, fn: TestFunction, timeout?: number) => {
    if (ok) return it(name, fn, timeout);
    recordNotRun(name, why, 'test');
    return it.skip(`${name} [not run: ${why}]`, fn);
  };
}
