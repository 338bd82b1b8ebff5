// `npm run diagram`: the workspace machine as a Mermaid state diagram, generated from the machine definition,
// written to docs/workspace-machine.mmd and embedded in docs/architecture.md between the diagram markers.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { machineGraph, toMermaid } from '../src/machines/diagram.js';

const mermaid = toMermaid(machineGraph());
mkdirSync('docs', { recursive: true });
writeFileSync('docs/workspace-machine.mmd', mermaid);
const PAGE = 'docs/architecture.md';
const page = readFileSync(PAGE, 'utf8');
const start = '<!-- diagram:start (npm run diagram) -->';
const end = '<!-- diagram:end -->';
const block = `${start}\n\`\`\`mermaid\n${mermaid}\`\`\`\n${end}`;
const i = page.indexOf(start);
const j = page.indexOf(end);
if (i < 0 || j < 0) throw new Error(`${PAGE} has no diagram markers`);
writeFileSync(PAGE, page.slice(0, i) + block + page.slice(j + end.length));
process.stderr.write(`diagram: wrote docs/workspace-machine.mmd and the diagram in ${PAGE}\n`);
