// `npm run docs:options`: docs/options.md, the options reference, and the README's table of the options a user sets
// most, generated from the options catalog (src/adapters/config/catalog/) and the trust table
// (src/adapters/config/trust.ts: who may set each option). test/unit/options-catalog.test.ts fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOG, OPTION_GROUPS, type OptionSpec } from '../src/adapters/config/catalog/index.js';
import { OPTIONS as TRUST } from '../src/adapters/config/trust.js';

export const OPTIONS_DOC = 'docs/options.md';
export const README = 'README.md';
const START = '<!-- options:common:start (npm run docs:options) -->';
const END = '<!-- options:common:end -->';

const INTRO = `# Options reference

<!-- Generated from src/adapters/config/catalog/ and trust.ts by \`npm run docs:options\`; edit those, not this page. -->

Every option is an upper-case variable. Set them when you add the provider (\`devpod provider add … -o NAME=value\`),
later with \`devpod provider set-options nomad -o NAME=value\`, or for everyone who opens a repository in its
\`.devpod/nomad.yaml\`:

\`\`\`yaml
NOMAD_MEMORYMB: 8GB
NOMAD_CORES: 4
NOMAD_GPU_COUNT: 1
NOMAD_VOLUME_TYPE: dynamic          # a volume of its own per workspace, made by create, removed by delete
NOMAD_VOLUME_SIZE: 30GB
VAULT_SECRETS_JSON:
  - path: secret/data/ml/tokens
    fields: { hf_token: HF_TOKEN }
\`\`\`

Values come from, in order of precedence: \`--set NAME=value\` (for \`plan\`) > the environment (DevPod passes provider
options this way; a blank value counts as unset) > the repository's \`.devpod/nomad.yaml\` (searched from the working
directory upwards, or \`NOMAD_CONFIG_FILE\`; lists and maps are passed on as JSON) > the defaults below. Everything is
validated once, before anything is sent to Nomad; a bad value stops the command with a message naming the option,
the value, where it came from and what is expected (\`test/helpers/bad-input.ts\` lists these cases, each checked
through the real binary, with Nomad checked to have received nothing).

**Who may set what:** a repository's \`.devpod/nomad.yaml\` sets only the workspace's shape; connection, credentials,
TLS and anything that lowers isolation are yours only (your provider options), and a file that sets one is refused
before any request. The *who* column says which; [security.md](security.md) says why, option by option.

Options marked *from your shell* default to your shell's variables at the time the provider is added, exactly as
the \`nomad\` CLI reads them. Workspace options carry no default in provider.yaml on purpose: DevPod passes every
option to the provider, so a default there would always mask the repository's file; the provider applies the
defaults below. Both provider files (machine and native) declare the same options unless a row says otherwise.
`;

/** Text safe inside a Markdown table cell: no HTML, emphasis, links or column breaks by accident. */
const cell = (text: string) => text.replace(/([\\|*<>[\]])/g, '\\$1');

function defaultCell(o: OptionSpec): string {
  if (o.default !== undefined) return `\`${o.default}\``;
  return o.unset ?? '—';
}

function whoCell(o: OptionSpec): string {
  const rule = TRUST[o.name];
  if (!rule) throw new Error(`${o.name} is not in src/adapters/config/trust.ts: say who may set it there`);
  if (rule.trust === 'personal') return 'yours only';
  return rule.unsafe ? `repository, except ${cell(rule.unsafe)}` : 'repository';
}

function descriptionCell(o: OptionSpec): string {
  const notes = [
    o.secret ? '*Secret: masked by DevPod, never printed.*' : '',
    o.fromShell ? '*From your shell.*' : '',
    o.machineOnly ? '*Machine provider only.*' : '',
    o.nativeOnly ? '*Native provider only.*' : '',
    o.nativeDescription ? `*Native provider:* ${cell(o.nativeDescription)}` : '',
  ];
  return [cell(o.description), o.details ?? '', ...notes].filter(Boolean).join(' ');
}

export function renderOptionsDoc(): string {
  const sections = OPTION_GROUPS.map((g) =>
    [
      `## ${g.name}`,
      '',
      '| option | default | who | description |',
      '|---|---|---|---|',
      ...g.options.map((o) => `| \`${o.name}\` | ${defaultCell(o)} | ${whoCell(o)} | ${descriptionCell(o)} |`),
    ].join('\n'),
  );
  return `${INTRO}\n${sections.join('\n\n')}\n`;
}

/** The README's table: the options marked common, with what DevPod shows for each. */
export function commonTable(): string {
  const rows = CATALOG.filter((o) => o.common).map((o) => `| \`${o.name}\` | ${defaultCell(o)} | ${whoCell(o)} | ${cell(o.description)} |`);
  return [START, '| option | default | who | what it does |', '|---|---|---|---|', ...rows, END].join('\n');
}

/** The README with its table replaced by the current one. */
export function withCommonTable(readme: string): string {
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  if (i < 0 || j < 0) throw new Error(`${README} has no common options markers`);
  return readme.slice(0, i) + commonTable() + readme.slice(j + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPTIONS_DOC, renderOptionsDoc());
  writeFileSync(README, withCommonTable(readFileSync(README, 'utf8')));
  process.stderr.write(`docs:options: wrote ${OPTIONS_DOC} and the common options in ${README}\n`);
}
