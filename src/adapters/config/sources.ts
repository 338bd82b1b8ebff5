// Where option values come from, in order of precedence: a flag (`--set KEY=VALUE`) > the environment (DevPod
// passes provider options as variables; a blank one counts as unset) > the repository's `.devpod/nomad.yaml`
// (found from the working directory upwards, or named by NOMAD_CONFIG_FILE) > the built-in defaults.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import type { Env } from '../nomad/connection.js';
import { ConfigError } from './errors.js';
import { isSecretOption, OPTIONS } from './trust.js';

export type Origin = 'flag' | 'environment' | 'file';

export interface OptionValues {
  values: Record<string, string>;
  origin: Record<string, Origin>;
  /** The config file that was read, if any. */
  file?: string;
  /** What the file sets, including what flags or the environment override (repository-check.ts judges the file as written). */
  fromFile?: Record<string, string>;
}

const blank = (v: string | undefined) => v === undefined || v.trim() === '';

export function findConfigFile(env: Env, cwd: string): string | undefined {
  if (!blank(env.NOMAD_CONFIG_FILE)) return resolve(cwd, env.NOMAD_CONFIG_FILE!.trim());
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, '.devpod', 'nomad.yaml');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads the YAML file: a mapping of option names to values; lists and maps become JSON (for the *_JSON options). */
export function readConfigFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `NOMAD_CONFIG_FILE=${JSON.stringify(path)} cannot be read (${(err as NodeJS.ErrnoException).code}): expected a YAML file of option names and values`,
    ]);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new ConfigError([`${path} is not valid YAML (${first}): expected a mapping of option names to values, e.g. "NOMAD_CPU: 500"`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([
      `${path} must be a mapping of option names to values (e.g. "NOMAD_MEMORYMB: 4GB"), not a ${Array.isArray(doc) ? 'list' : typeof doc}`,
    ]);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!/^[A-Z0-9_]+$/.test(key))
      throw new ConfigError([`${path}: key ${JSON.stringify(key)} is not an option name: expected upper-case names such as NOMAD_CPU`]);
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

export function collectOptions(env: Env, opts: { flags?: Record<string, string>; cwd?: string } = {}): OptionValues {
  const file = findConfigFile(env, opts.cwd ?? process.cwd());
  const fromFile = file ? readConfigFile(file) : {};
  const values: Record<string, string> = {};
  const origin: Record<string, Origin> = {};
  const layer = (src: Record<string, string | undefined>, from: Origin) => {
    for (const [k, v] of Object.entries(src)) {
      if (blank(v) || k in values) continue;
      values[k] = v!;
      origin[k] = from;
    }
  };
  layer(opts.flags ?? {}, 'flag');
  layer(env, 'environment');
  layer(fromFile, 'file');
  return { values, origin, file, fromFile };
}

export interface OptionSource {
  name: string;
  origin: 'flag' | 'environment' | 'file' | 'default';
  /** The value as given; <redacted> for secrets; absent for defaults. */
  value?: string;
}

/** Where each option's value came from, in the trust table's order (plan shows it); secrets redacted. */
export function optionSources(vals: OptionValues): OptionSource[] {
  return Object.keys(OPTIONS).map((name) => {
    const origin = vals.origin[name];
    if (!origin) return { name, origin: 'default' };
    return { name, origin, value: isSecretOption(name) ? '<redacted>' : vals.values[name] };
  });
}
