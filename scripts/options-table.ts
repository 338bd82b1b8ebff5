// `npm run docs:options`: the table of who may set each option, generated from src/adapters/config/trust.ts into
// docs/security.md between the options markers (a unit test fails when the copy there is stale).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../src/adapters/config/trust.js';

export const START = '<!-- options:start (npm run docs:options) -->';
export const END = '<!-- options:end -->';
export const DOC = 'docs/security.md';

export function optionsTable(): string {
  const rows = Object.entries(OPTIONS).map(([name, rule]) => {
    const who = rule.trust === 'personal' ? '**yours only**' : rule.unsafe ? `repository, except ${rule.unsafe}` : 'repository';
    return `| \`${name}\` | ${who} | ${rule.why}${rule.secret ? ' (secret: never shown)' : ''} |`;
  });
  return [START, '| Option | Who may set it | Why |', '|---|---|---|', ...rows, END].join('\n');
}

/** The document with its table replaced by the current one. */
export function withCurrentTable(doc: string): string {
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  if (i < 0 || j < 0) throw new Error(`${DOC} has no options markers`);
  return doc.slice(0, i) + optionsTable() + doc.slice(j + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DOC, withCurrentTable(readFileSync(DOC, 'utf8')));
  process.stderr.write(`docs:options: wrote the options table into ${DOC}\n`);
}
