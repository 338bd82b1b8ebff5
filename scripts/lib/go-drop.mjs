// Drops Go imports from a source file, together with the code that uses them, so scripts/vault-binary and
// scripts/openbao-binary can build Vault and OpenBao without the plugins and cloud SDKs the tests never load.
// Text-level on purpose (gofmt'd release sources, no Go parser needed), and strict: any import not found, any use
// left over and any top-level declaration removed without being named is an error, so a tree that differs from what
// this expects fails the build here, loudly.
//
//   node go-drop.mjs FILE [--decls NAME,…] [--names NAME,…] [IMPORT_PATH…]
//
// --names drops identifiers the same way: ones defined in a file the caller deleted (a command type).
//
// Code that uses a dropped import goes by the smallest unit that holds the use: a map entry (`"key": …,` on one
// line or through its closing `},`), a case clause, a `m["key"] = …` line. Only if a use is left after that does a
// whole top-level declaration go, and only one named in --decls; its name is then dropped in turn (a
// `GetAWSKMSFunc` whose case clause calls it goes next).
import { readFileSync, writeFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
const expectedDecls = new Set();
const droppedNames = [];
const paths = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--decls') for (const d of rest[++i].split(',')) expectedDecls.add(d);
  else if (rest[i] === '--names') droppedNames.push(...rest[++i].split(','));
  else paths.push(rest[i]);
}
const fail = (msg) => {
  console.error(`go-drop: ${file}: ${msg}`);
  process.exit(1);
};
if (!file || paths.length + droppedNames.length === 0) {
  fail('usage: go-drop.mjs FILE [--decls NAME,…] [--names NAME,…] [IMPORT_PATH…]');
}

const lines = readFileSync(file, 'utf8').split('\n');
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Package names that code refers to (`name.`); a blank import has none.
const names = [];
for (const path of paths) {
  const re = new RegExp(`^\\s*(?:([\\w.]+)\\s+)?"${escapeRegExp(path)}"\\s*$`);
  const at = lines.flatMap((l, i) => (re.test(l) ? [i] : []));
  if (at.length !== 1) fail(`expected one import of "${path}", found ${at.length}`);
  const alias = lines[at[0]].match(re)[1];
  // Unaliased: the last path element without a /vN suffix; a wrong guess shows up as "nothing uses it" below.
  const name =
    alias ??
    path
      .split('/')
      .filter((p) => !/^v\d+$/.test(p))
      .pop();
  if (name !== '_') names.push({ re: new RegExp(`(?<![\\w.])${escapeRegExp(name)}\\.`), what: `${name}.`, used: false });
  lines.splice(at[0], 1);
}
const identifier = (name, used) => ({ re: new RegExp(`(?<![\\w.])${escapeRegExp(name)}\\b`), what: name, used });
for (const name of droppedNames) names.push(identifier(name, false));

// Matched on code only: string literals and comments blanked ("/var/run/secrets/kubernetes.io/…" is no use).
const code = (text) => text.replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`/g, '""').replace(/\/\/.*$/gm, '');
const uses = (text) => names.filter((n) => n.re.test(code(text)));
const indentOf = (l) => l.match(/^\s*/)[0];

// Each finder yields [start, end) line ranges of one kind of unit.
function* mapEntries() {
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(\s+)"[^"]*":\s*\S/);
    if (!m) continue;
    if (!/[{(]\s*$/.test(lines[i])) {
      yield [i, i + 1];
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && (l === `${m[1]}},` || l === `${m[1]}}`));
    if (close > i) yield [i, close + 1];
  }
}
function* caseClauses() {
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(\s*)case\s.*:\s*(\/\/.*)?$/);
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && (lines[j].trim() === '' || indentOf(lines[j]).length > m[1].length)) j++;
    yield [i, j];
  }
}
function* mapAssignments() {
  for (let i = 0; i < lines.length; i++) if (/^\s+\w+\["[^"]*"\]\s*=\s*.*[^{(\s]\s*$/.test(lines[i])) yield [i, i + 1];
}
function* topLevelDecls() {
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(?:func\s+(?:\([^)]*\)\s*)?|var\s+|type\s+|const\s+)(\w+)/);
    if (!m) continue;
    let end = i + 1;
    if (/[{(]\s*$/.test(lines[i])) {
      const close = lines.findIndex((l, j) => j > i && /^[})]/.test(l));
      if (close < 0) fail(`no end found for the declaration at line ${i + 1}`);
      end = close + 1;
    }
    yield [i, end, m[1]];
  }
}

// Removes the units of one kind that use a dropped name; returns the removed units.
function removeUnits(finder) {
  const using = [...finder()].filter((u) => uses(lines.slice(u[0], u[1]).join('\n')).length > 0);
  // Innermost only: an entry that holds a using entry keeps the rest of its body (the next pass looks again).
  const hits = using.filter((u) => !using.some((v) => v !== u && v[0] >= u[0] && v[1] <= u[1]));
  for (const u of hits) for (const n of uses(lines.slice(u[0], u[1]).join('\n'))) n.used = true;
  for (const [start, end] of [...hits].sort((a, b) => b[0] - a[0])) lines.splice(start, end - start);
  return hits;
}

let entries = 0;
const removedDecls = [];
for (;;) {
  const before = entries;
  for (const finder of [mapEntries, caseClauses, mapAssignments]) entries += removeUnits(finder).length;
  if (entries > before) continue;
  const decls = removeUnits(topLevelDecls);
  if (decls.length === 0) break;
  for (const [, , name] of decls) {
    if (!expectedDecls.has(name)) fail(`would remove top-level ${name}, which --decls does not name`);
    removedDecls.push(name);
    names.push(identifier(name, true)); // may be used only in other files
  }
}

const unused = names.filter((n) => !n.used).map((n) => n.what);
if (unused.length) fail(`nothing used ${unused.join(', ')} (is the import named differently?)`);
const left = lines.flatMap((l, i) => (uses(l).length ? [`${i + 1}: ${l.trim()}`] : []));
if (left.length) fail(`uses left that no map entry, case clause or --decls declaration holds:\n  ${left.join('\n  ')}`);
const notRemoved = [...expectedDecls].filter((d) => !removedDecls.includes(d));
if (notRemoved.length) fail(`--decls names ${notRemoved.join(', ')}, which nothing dropped made go`);

writeFileSync(file, lines.join('\n'));
console.error(
  `go-drop: ${file}: ${paths.length} imports, ${droppedNames.length} names, ${entries} entries, ` + `${removedDecls.length} declarations dropped`,
);
