// Incremental decoder for Nomad's event stream: newline-delimited JSON, frames split anywhere across chunks
// (even inside a multi-byte character), several per chunk, `{}` heartbeats between them.
//
// Written here rather than taken from npm (split2, ndjson): those are Node stream transforms that throw or emit
// 'error' on a bad line, while we need a pure push/pull function that reports bad lines in-band, keeps going,
// and can be property-tested chunk by chunk without streams.
import type { StreamFrame } from './types.js';

export type DecodedLine = { kind: 'frame'; frame: StreamFrame } | { kind: 'heartbeat' } | { kind: 'garbage'; line: string; error: string };

export interface NdjsonDecoder {
  /** Feeds one chunk; returns every complete line it finished. */
  push(chunk: Uint8Array | string): DecodedLine[];
  /** Flushes a final line that had no trailing newline. */
  end(): DecodedLine[];
}

/** Lines longer than this are garbage, not a reason to grow memory without bound. */
export const MAX_LINE = 64 * 1024 * 1024;

/**
 * What a frame becomes as soon as its line is parsed, e.g. only the fields its reader keeps: the whole parsed line is
 * then garbage before the next line is parsed, and never outlives a young-generation collection.
 */
export type FrameShape = (frame: StreamFrame) => StreamFrame;

export function decodeLine(raw: string, shape?: FrameShape): DecodedLine | undefined {
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
  return { kind: 'frame', frame: shape ? shape(value as StreamFrame) : (value as StreamFrame) };
}

export function createNdjsonDecoder(shape?: FrameShape): NdjsonDecoder {
  // Lines are cut on the newline byte, which never occurs inside a multi-byte character, and each line is decoded
  // from UTF-8 once, straight from the chunk it ends in: no decoded text is copied again to cut it (the stream carries
  // ~80 MB when 1,000 workspaces start and stop). The start of a line that spans chunks waits as bytes.
  let head: Buffer[] = [];
  let headBytes = 0;

  return {
    push(chunk) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const out: DecodedLine[] = [];
      let start = 0;
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
        let decoded: DecodedLine | undefined;
        if (headBytes > 0) {
          head.push(buf.subarray(0, nl));
          decoded = decodeLine(Buffer.concat(head).toString('utf8'), shape);
          head = [];
          headBytes = 0;
        } else {
          decoded = decodeLine(buf.toString('utf8', start, nl), shape);
        }
        start = nl + 1;
        if (decoded) out.push(decoded);
      }
      if (start < buf.length) {
        head.push(buf.subarray(start));
        headBytes += buf.length - start;
      }
      if (headBytes > MAX_LINE) {
        out.push({ kind: 'garbage', line: Buffer.concat(head).toString('utf8', 0, 200), error: `line longer than ${MAX_LINE} bytes` });
        head = [];
        headBytes = 0;
      }
      return out;
    },
    end() {
      const last = headBytes > 0 ? decodeLine(Buffer.concat(head).toString('utf8'), shape) : undefined;
      head = [];
      headBytes = 0;
      return last ? [last] : [];
    },
  };
}
