// The option reader each schema file (workspace.ts, connection.ts, placement.ts, images.ts, vault.ts, volume.ts, ports.ts)
// reads its options with. It collects every problem instead of stopping at the first, so load.ts can refuse all bad
// options in one ConfigError; each problem names the option, where its value came from, the value and what is
// expected.
import type * as z from './zod.js';
import { parseJson } from './parse.js';
import type { OptionValues } from './sources.js';

export interface OptionReader {
  /** The values as collected (sources.ts), untrimmed. */
  values: Record<string, string>;
  /** What is wrong so far, in the order found: the order the user reads them in. */
  problems: string[];
  /** One option: its parser returns the value, or undefined when the text is not what `expected` says. */
  get<T>(name: string, expected: string, parse: (v: string) => T | undefined, fallback: T): T;
  /** The option's text, trimmed; `fallback` when unset. */
  text(name: string, fallback?: string): string;
  /**
   * A JSON option checked against the schema `schema()` makes; undefined when unset or invalid. A function, so that
   * no schema is built (and, in the bundles, zod not even loaded) for options that are not set: `status` sets none.
   */
  json<T>(name: string, expected: string, schema: () => z.ZodMiniType<T>): T | undefined;
  /** The message for a value that is not what `expected` says. */
  describe(name: string, value: string, expected: string): string;
  /** Records a rule's problem (rules.ts), if there is one. */
  check(problem: string | undefined): void;
}

export function optionReader(vals: OptionValues): OptionReader {
  const problems: string[] = [];
  const from = (name: string) => (vals.origin[name] === 'file' ? ` (from ${vals.file})` : vals.origin[name] === 'flag' ? ' (from --set)' : '');
  const describe = (name: string, value: string, expected: string) =>
    `${name}=${JSON.stringify(value)}${from(name)} is not valid: expected ${expected}`;
  return {
    values: vals.values,
    problems,
    describe,
    get(name, expected, parse, fallback) {
      const raw = vals.values[name];
      if (raw === undefined) return fallback;
      const parsed = parse(raw.trim());
      if (parsed === undefined) problems.push(describe(name, raw, expected));
      return parsed ?? fallback;
    },
    check: (problem) => {
      if (problem !== undefined) problems.push(problem);
    },
    text: (name, fallback = '') => vals.values[name]?.trim() ?? fallback,
    json(name, expected, schema) {
      const raw = vals.values[name];
      if (raw === undefined) return undefined;
      const json = parseJson(raw);
      if (!json.ok) {
        problems.push(describe(name, raw, `${expected} (JSON: ${json.error})`));
        return undefined;
      }
      const parsed = schema().safeParse(json.value);
      if (!parsed.success) {
        problems.push(describe(name, raw, expected));
        return undefined;
      }
      return parsed.data;
    },
  };
}

/** A parser for one of `allowed`, for `get`. */
export const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (v: string) =>
    (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
