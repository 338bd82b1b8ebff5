// Schema of the Workspace group (catalog/workspace.ts): what the task is (driver, image, resources, its user), how
// long create and start wait, and a team's job template. load.ts calls these readers in the order problems are listed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDurationMs, parseGoDuration, parseMegabytes, parsePositiveInt } from './parse.js';
import { oneOf, type OptionReader } from './reader.js';

export const DRIVERS = ['docker', 'podman', 'exec', 'raw_exec', 'nspawn'] as const;
export type Driver = (typeof DRIVERS)[number];

export interface Resources {
  cpuMHz: number;
  cores?: number;
  memoryMB: number;
  diskMB: number;
}

/** NOMAD_JOB_TEMPLATE, read: a team's own Nomad job the workspace job is merged into (jobspec/template.ts). */
export interface JobTemplate {
  path: string;
  format: 'hcl' | 'json';
  text: string;
}

/**
 * NOMAD_TIMEOUT's upper bound. A day covers the slowest image pull and placement; beyond it a wait is a mistake, and
 * Node's timers (at most 2^31-1 ms, 24.8 days) would fire at once, failing every wait after the job was registered.
 */
export const MAX_TIMEOUT_MS = 24 * 3_600_000;

/** The driver, the task's resources and user, and the waits. */
export function readWorkspace(r: OptionReader) {
  const driver = r.get('NOMAD_DRIVER', `one of ${DRIVERS.join(', ')}`, oneOf(DRIVERS), 'docker');
  const cores = r.get<number | undefined>('NOMAD_CORES', 'a whole number of CPU cores greater than 0', parsePositiveInt, undefined);
  if (cores !== undefined && r.values.NOMAD_CPU !== undefined)
    r.problems.push(`NOMAD_CPU and NOMAD_CORES are both set: expected one of them (MHz shares, or whole reserved cores)`);
  const resources: Resources = {
    cpuMHz: r.get('NOMAD_CPU', 'a whole number of MHz greater than 0, e.g. 500', parsePositiveInt, 200),
    cores,
    memoryMB: r.get('NOMAD_MEMORYMB', 'a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB', parseMegabytes, 512),
    diskMB: r.get('NOMAD_DISKMB', 'a size in MB, or with a unit (MB, GB, GiB), e.g. 300 or 10GB', parseMegabytes, 300),
  };
  r.get('NOMAD_TASK_USER', 'a user name (letters, digits, _ . -)', (v) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) ? v : undefined), '');
  const timeoutMs = r.get(
    'NOMAD_TIMEOUT',
    'a duration of at most 24h, e.g. 10m or 90s',
    (v) => {
      const ms = parseDurationMs(v);
      return ms !== undefined && ms <= MAX_TIMEOUT_MS ? ms : undefined;
    },
    10 * 60_000,
  );
  const inactivityTimeout = r.get<string | undefined>(
    'INACTIVITY_TIMEOUT',
    'a duration with a unit as DevPod reads it, e.g. 30m, 1h or 90s (empty: never)',
    parseGoDuration,
    undefined,
  );
  return {
    driver,
    image: r.text('NOMAD_IMAGE', 'ubuntu:22.04'),
    taskUser: r.text('NOMAD_TASK_USER') || undefined,
    resources,
    timeoutMs,
    inactivityTimeout,
  };
}

/** A team's job template: a personal option (trust.ts), so a path relative to the working directory. */
export function readJobTemplate(r: OptionReader, cwd: string | undefined): JobTemplate | undefined {
  const templatePath = r.text('NOMAD_JOB_TEMPLATE');
  if (!templatePath) return undefined;
  const full = resolve(cwd ?? process.cwd(), templatePath);
  try {
    return { path: templatePath, format: /\.json$/i.test(full) ? 'json' : 'hcl', text: readFileSync(full, 'utf8') };
  } catch (err) {
    r.problems.push(
      r.describe(
        'NOMAD_JOB_TEMPLATE',
        templatePath,
        `a readable Nomad job file, HCL or .json (${(err as NodeJS.ErrnoException).code ?? String(err)} reading ${full})`,
      ),
    );
    return undefined;
  }
}
