// The part of HCL (and JSON) that Nomad ACL policies are written in, read into blocks for acl-rules.ts. A full HCL
// library is a multi-megabyte WebAssembly module (@cdktf/hcl2json) for one command; ACL policies use a small, fixed
// part of HCL (blocks with string labels, string and list attributes, comments), which is what this file reads.
// Anything else is reported (RulesError), never guessed.

export type Value = string | number | boolean | Value[] | Block[];
export interface Block {
  type: string;
  labels: string[];
  attrs: Record<string, Value>;
  blocks: Block[];
}

/** ACL rules this reader cannot read. */
export class RulesError extends Error {
  override name = 'RulesError';
}

const TOKEN = /\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\]|\\.)*"|[A-Za-z_][\w-]*|-?\d+(?:\.\d+)?|[{}[\]=,:]/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new RulesError(`unexpected ${JSON.stringify(text.slice(at, at + 20))} in ACL rules`);
    const t = m[0];
    if (!/^\s|^#|^\/\/|^\/\*/.test(t)) out.push(t);
  }
  return out;
}

const unquote = (t: string): string => JSON.parse(t) as string;

function parseBody(tokens: string[], pos: { i: number }, closing: string | undefined): Block {
  const body: Block = { type: '', labels: [], attrs: {}, blocks: [] };
  while (pos.i < tokens.length && tokens[pos.i] !== closing) {
    const key = tokens[pos.i++]!;
    const name = key.startsWith('"') ? unquote(key) : key;
    if (tokens[pos.i] === '=' || tokens[pos.i] === ':') {
      pos.i++;
      body.attrs[name] = parseValue(tokens, pos);
    } else {
      const labels: string[] = [];
      while (tokens[pos.i]?.startsWith('"')) labels.push(unquote(tokens[pos.i++]!));
      if (tokens[pos.i++] !== '{') throw new RulesError(`expected "{" after ${name} in ACL rules`);
      body.blocks.push({ ...parseBody(tokens, pos, '}'), type: name, labels });
      pos.i++;
    }
    if (tokens[pos.i] === ',') pos.i++;
  }
  return body;
}

function parseValue(tokens: string[], pos: { i: number }): Value {
  const t = tokens[pos.i++];
  if (t === undefined) throw new RulesError('ACL rules end in the middle of a value');
  if (t.startsWith('"')) return unquote(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^-?\d/.test(t)) return Number(t);
  if (t === '[') {
    const list: Value[] = [];
    while (tokens[pos.i] !== ']') {
      if (pos.i >= tokens.length) throw new RulesError('unclosed "[" in ACL rules');
      list.push(parseValue(tokens, pos));
      if (tokens[pos.i] === ',') pos.i++;
    }
    pos.i++;
    return list;
  }
  if (t === '{') {
    // An object value (`namespace = { … }`, as in JSON): the same as a block.
    const inner = parseBody(tokens, pos, '}');
    pos.i++;
    return [inner];
  }
  throw new RulesError(`unexpected ${JSON.stringify(t)} in ACL rules`);
}

/**
 * Blocks of a policy's rules. JSON rules nest labels as object keys (`{"namespace": {"default": {…}}}`); they
 * are read with the same tokenizer and flattened to blocks here.
 */
export function parseRules(rules: string): Block[] {
  const root = parseBody(tokenize(rules.trim().startsWith('{') ? rules.trim().slice(1, -1) : rules), { i: 0 }, undefined);
  const blocks = [...root.blocks];
  for (const [type, value] of Object.entries(root.attrs)) {
    for (const obj of Array.isArray(value) ? value : []) {
      if (typeof obj !== 'object' || obj === null || !('attrs' in obj)) continue;
      const labelled = Object.entries(obj.attrs).filter(([, v]) => Array.isArray(v) && v.every((b) => typeof b === 'object'));
      if (type === 'namespace' || type === 'host_volume' || type === 'node_pool') {
        for (const [label, inner] of labelled) for (const b of inner as Block[]) blocks.push({ ...b, type, labels: [label] });
        for (const b of obj.blocks) blocks.push(b);
      } else {
        blocks.push({ ...obj, type, labels: [] });
      }
    }
  }
  return blocks;
}

export const strings = (v: Value | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const isBlocks = (v: Value | undefined): v is Block[] => Array.isArray(v) && v.every((b) => typeof b === 'object' && b !== null && 'attrs' in b);

/**
 * The blocks of `type` inside `b`: HCL's nested blocks, or JSON's objects (`"variables": {"path": {"<label>": {…}}}`),
 * where an object's keys are the labels of the blocks inside it when `labelled`.
 */
export function children(b: Block, type: string, labelled: boolean): Block[] {
  const out = b.blocks.filter((c) => c.type === type);
  const value = b.attrs[type];
  for (const obj of isBlocks(value) ? value : []) {
    if (!labelled) out.push({ ...obj, type, labels: [] });
    else
      for (const [label, inner] of Object.entries(obj.attrs)) if (isBlocks(inner)) for (const c of inner) out.push({ ...c, type, labels: [label] });
  }
  return out;
}
