// Incremental decoder for Nomad's event stream: newline-delimited JSON, frames split anywhere across chunks
// (even inside a multi-byte character), several per chunk, `{}` heartbeats between them.
//
// Written here rather than taken from npm (split2, ndjson): those are Node stream transforms that throw or emit
// 'error' on a bad line, while we need a pure push/pull function that reports bad lines in-band, keeps going,
// and can be property-tested chunk by chunk without streams.
import type { StreamFrame } from './types.js';

export type DecodedLine =
  | { kind: 'frame'; frame: StreamFrame }
  | { kind: 'heartbeat' }
  | { kind: 'garbage'; line: string; error: string };

export interface NdjsonDecoder {
  /** Feeds one chunk; returns every complete line it finished. */
  push(chunk: Uint8Array | string): DecodedLine[];
  /** Flushes a final line that had no trailing newline. */
  end(): DecodedLine[];
}

/** Lines longer than this are garbage, not a reason to grow memory without bound. */
const MAX_LINE = 64 * 1024 * 1024;

export function decodeLine(raw: string): DecodedLine | undefined {
  const line = raw.trim();
  if (line === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { kind: 'garbage', line: line.slice(0, 200), error: (err as Error).message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'garbage', line: line.slice(0, 200), error: 'not a JSON object' };
  }
  const obj = value as { Index?: unknown; Events?: unknown };
  if (obj.Events === undefined || obj.Events === null || (Array.isArray(obj.Events) && obj.Events.length === 0)) {
    return { kind: 'heartbeat' };
  }
  if (!Array.isArray(obj.Events) || typeof obj.Index !== 'number') {
    return { kind: 'garbage', line: line.slice(0, 200), error: 'frame without a numeric Index and an Events list' };
  }
  return { kind: 'frame', frame: value as StreamFrame };
}

export function createNdjsonDecoder(): NdjsonDecoder {
  const text = new TextDecoder('utf-8');
  let pending = '';

  const drain = (out: DecodedLine[]) => {
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const decoded = decodeLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (decoded) out.push(decoded);
    }
    if (pending.length > MAX_LINE) {
      out.push({ kind: 'garbage', line: pending.slice(0, 200), error: `line longer than ${MAX_LINE} bytes` });
      pending = '';
    }
  };

  return {
    push(chunk) {
      pending += typeof chunk === 'string' ? chunk : text.decode(chunk, { stream: true });
      const out: DecodedLine[] = [];
      drain(out);
      return out;
    },
    end() {
      pending += text.decode();
      const out: DecodedLine[] = [];
      drain(out);
      const last = decodeLine(pending);
      pending = '';
      if (last) out.push(last);
      return out;
    },
  };
}
