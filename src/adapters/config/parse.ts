// Pure parsers for option values, shared by the option schema and its tests (and parseBool by nomad/connection.ts).

const UNITS: Record<string, number> = { '': 1, m: 1, mb: 1, mib: 1, g: 1024, gb: 1024, gib: 1024, t: 1024 * 1024, tb: 1024 * 1024, tib: 1024 * 1024 };

/** "512", "512MB", "4GB", "4GiB", "1.5G" → MB (binary units: DevPod and Sindri users write GB meaning GiB). */
export function parseMegabytes(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const factor = UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  const mb = Number(m[1]) * factor;
  return Number.isFinite(mb) && mb >= 1 ? Math.round(mb) : undefined;
}

/** Go-style durations DevPod users know: "90s", "10m", "1h30m", or plain seconds. */
export function parseDurationMs(value: string): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) > 0 ? Number(v) * 1000 : undefined;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  return matched === v.length && v.length > 0 && total > 0 ? total : undefined;
}

/**
 * A duration exactly as Go's time.ParseDuration reads it, for values DevPod itself parses (agent.inactivityTimeout):
 * every number needs a unit ("90" is not one), and the total must be greater than zero. Returned as written.
 */
export function parseGoDuration(value: string): string | undefined {
  const v = value.trim();
  const valid = /^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/.test(v);
  return valid && /[1-9]/.test(v.replace(/ns|us|µs|ms|s|m|h/g, ' ')) ? v : undefined;
}

export const parsePositiveInt = (v: string): number | undefined => (/^\d+$/.test(v.trim()) && Number(v) > 0 ? Number(v) : undefined);
export const parseNonNegativeInt = (v: string): number | undefined => (/^\d+$/.test(v.trim()) ? Number(v) : undefined);

/**
 * Go's strconv.ParseBool (surrounding blanks aside): the one boolean parser, for the options and for the connection
 * settings read as the nomad CLI reads them (nomad/connection.ts). Undefined for anything Go would reject.
 */
export function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (/^(1|t|T|true|TRUE|True)$/.test(v.trim())) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(v.trim())) return false;
  return undefined;
}

/** A POSIX environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseJson(v: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(v) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
