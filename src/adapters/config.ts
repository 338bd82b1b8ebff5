// Provider options → one validated config. DevPod hands every option to our commands as an upper-case
// environment variable; each is checked here once, and later modules receive typed, already-valid values.
// Every message names the option, the value given and what is expected.
// zod/mini: the same validator without the classic API's 400 KB of locales, which would slow every command's start.
import * as z from 'zod/mini';
import { resolveConnection, type Env, type NomadConnection } from './nomad/connection.js';

export const DRIVERS = ['docker', 'podman', 'exec', 'raw_exec'] as const;
export type Driver = (typeof DRIVERS)[number];

export interface ProviderConfig {
  connection: NomadConnection;
  driver: Driver;
  image: string;
  cpuMHz: number;
  memoryMB: number;
  diskMB: number;
  datacenters: string[];
  /** How long create/start wait for the workspace to run. */
  timeoutMs: number;
  /** Where DevPod's agent lives inside the workspace (agent.path). */
  agentPath: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} options are invalid:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

const UNITS: Record<string, number> = { '': 1, m: 1, mb: 1, mib: 1, g: 1024, gb: 1024, gib: 1024, t: 1024 * 1024, tb: 1024 * 1024, tib: 1024 * 1024 };

/** "512", "512MB", "4GB", "4GiB", "1.5G" → MB (binary units: DevPod and Sindri users write GB meaning GiB). */
export function parseMegabytes(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const factor = UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  const mb = Number(m[1]) * factor;
  return Number.isFinite(mb) && mb > 0 ? Math.round(mb) : undefined;
}

/** Go-style durations DevPod users know: "90s", "10m", "1h30m", or plain seconds. */
export function parseDurationMs(value: string): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  return matched === v.length && v.length > 0 && total > 0 ? total : undefined;
}

const blank = (v: string | undefined): v is undefined => v === undefined || v.trim() === '';

/** An optional text option with a default; blank counts as unset. */
const str = (fallback: string) => z.pipe(z.optional(z.string()), z.transform((v) => (blank(v) ? fallback : v.trim())));

/** An optional text option that must satisfy `ok`; the message names the option, the value and what is expected. */
function checked(name: string, expected: string, ok: (v: string) => boolean) {
  return z.optional(z.string()).check(
    z.refine((v) => blank(v) || ok(v.trim()), { error: (iss) => `${name}=${JSON.stringify(iss.input)} is not valid: expected ${expected}` }),
  );
}

function numberOption(name: string, fallback: number, unit: string, parse: (v: string) => number | undefined, example: string) {
  return z.pipe(
    z.optional(z.string()),
    z.transform((v, ctx) => {
      if (blank(v)) return fallback;
      const n = parse(v);
      if (n === undefined) {
        ctx.issues.push({ code: 'custom', input: v, message: `${name}=${JSON.stringify(v)} is not valid: expected ${unit}, e.g. ${example}` });
        return fallback;
      }
      return n;
    }),
  );
}

const positiveInt = (v: string) => (/^\d+$/.test(v.trim()) && Number(v) > 0 ? Number(v) : undefined);

const schema = z.object({
  NOMAD_DRIVER: checked('NOMAD_DRIVER', `one of ${DRIVERS.join(', ')}`, (v) => (DRIVERS as readonly string[]).includes(v)),
  NOMAD_IMAGE: str('ubuntu:22.04'),
  NOMAD_CPU: numberOption('NOMAD_CPU', 200, 'a whole number of MHz greater than 0', positiveInt, '500'),
  NOMAD_MEMORYMB: numberOption('NOMAD_MEMORYMB', 512, 'a size in MB, or with a unit (MB, GB, GiB)', parseMegabytes, '2048 or 4GB'),
  NOMAD_DISKMB: numberOption('NOMAD_DISKMB', 300, 'a size in MB, or with a unit (MB, GB, GiB)', parseMegabytes, '300 or 10GB'),
  NOMAD_DATACENTERS: str('*'),
  NOMAD_TIMEOUT: numberOption('NOMAD_TIMEOUT', 10 * 60_000, 'a duration', parseDurationMs, '10m or 90s'),
  AGENT_PATH: str('/tmp/devpod/agent'),
  NOMAD_SKIP_VERIFY: checked('NOMAD_SKIP_VERIFY', 'true or false', (v) => /^(1|t|T|true|TRUE|True|0|f|F|false|FALSE|False)$/.test(v)),
  NOMAD_ADDR: checked('NOMAD_ADDR', 'http(s)://host:port or unix:///path/to/socket', (v) => /^(https?:\/\/[^\s/]+|unix:\/\/\/\S+)\/?$/.test(v)),
});

/** Reads and validates every option; throws one ConfigError listing all problems. */
export function loadConfig(env: Env): ProviderConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message));
  const o = parsed.data;
  return {
    connection: resolveConnection(env),
    driver: (blank(o.NOMAD_DRIVER) ? 'docker' : o.NOMAD_DRIVER.trim()) as Driver,
    image: o.NOMAD_IMAGE,
    cpuMHz: o.NOMAD_CPU,
    memoryMB: o.NOMAD_MEMORYMB,
    diskMB: o.NOMAD_DISKMB,
    datacenters: o.NOMAD_DATACENTERS.split(',').map((d) => d.trim()).filter(Boolean),
    timeoutMs: o.NOMAD_TIMEOUT,
    agentPath: o.AGENT_PATH,
  };
}
