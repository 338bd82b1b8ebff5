// Both provider files as `npm run release` writes them (provider.yaml, and the native one derived from it by
// scripts/lib/native-provider.mjs; the release only pins binary paths and checksums), rendered under each CLI's
// variable names: DevPod (loft-sh and the skevetter fork) and Devsy, which renamed `${DEVPOD}` to `${DEVSY}`, `devpod
// helper` to `devsy internal` and /tmp/devpod to /tmp/devsy. Every command must run our own binary and refer to
// nothing of one CLI's, so that one file works on all three.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { nativeProvider, type ProviderFile as RenderedFile } from '../../scripts/lib/native-provider.mjs';

interface ProviderFile {
  name: string;
  options: Record<string, { default?: string; command?: string }>;
  binaries?: Record<string, unknown>;
  agent?: { exec?: Record<string, string>; custom?: Record<string, string>; binaries?: Record<string, unknown> } & Record<string, unknown>;
  exec: Record<string, string>;
}

/** Variables both CLIs set for a provider's commands (pkg/provider/env.go), plus the custom driver's and `command`'s. */
const SHARED = [
  'PROVIDER_ID',
  'PROVIDER_CONTEXT',
  'PROVIDER_FOLDER',
  'MACHINE_ID',
  'MACHINE_FOLDER',
  'MACHINE_CONTEXT',
  'MACHINE_PROVIDER',
  'WORKSPACE_ID',
  'WORKSPACE_UID',
  'WORKSPACE_FOLDER',
  'WORKSPACE_CONTEXT',
  'WORKSPACE_ORIGIN',
  'WORKSPACE_SOURCE',
  'WORKSPACE_PROVIDER',
  'COMMAND',
  'DEVCONTAINER_ID',
  'DEVCONTAINER_USER',
  'DEVCONTAINER_COMMAND',
  'DEVCONTAINER_RUN_OPTIONS',
];

const CLIS: { name: string; own: Record<string, string>; others: RegExp[] }[] = [
  {
    name: 'DevPod (loft-sh, skevetter)',
    own: { DEVPOD: '/usr/local/bin/devpod', DEVPOD_OS: 'linux', DEVPOD_ARCH: 'amd64', DEVPOD_LOG_LEVEL: 'info' },
    others: [/DEVSY/, /devsy internal/, /\/tmp\/devsy\b/],
  },
  {
    name: 'Devsy',
    own: { DEVSY: '/usr/local/bin/devsy', DEVSY_OS: 'linux', DEVSY_ARCH: 'amd64', DEVSY_LOG_LEVEL: 'info' },
    // /tmp/devpod-nomad-<machine>.stop is our own file, not DevPod's directory.
    others: [/DEVPOD/, /devpod helper/, /\/tmp\/devpod(?![-\w])/],
  },
];

const BINARY = '/home/me/.devpod/contexts/default/providers/nomad/binaries/nomad_provider/devpod-provider-nomad.js';
const machine = YAML.parse(readFileSync(join(resolve(import.meta.dirname, '..', '..'), 'provider.yaml'), 'utf8')) as RenderedFile;
const files: Record<string, ProviderFile> = {
  'provider.yaml': machine as unknown as ProviderFile,
  'provider-native.yaml': nativeProvider(machine) as unknown as ProviderFile,
};

/** Every shell command in the file, by where it is: exec.*, agent.exec.*, agent.custom.*, options.*.command. */
function commands(doc: ProviderFile): [string, string][] {
  return [
    ...Object.entries(doc.exec).map(([k, v]): [string, string] => [`exec.${k}`, v]),
    ...Object.entries(doc.agent?.exec ?? {}).map(([k, v]): [string, string] => [`agent.exec.${k}`, v]),
    ...Object.entries(doc.agent?.custom ?? {}).map(([k, v]): [string, string] => [`agent.custom.${k}`, v]),
    ...Object.entries(doc.options)
      .filter(([, o]) => o.command)
      .map(([k, o]): [string, string] => [`options.${k}.command`, o.command!]),
  ];
}

/** Every string value in the file, but descriptions (text for people). */
function strings(v: unknown, path = ''): [string, string][] {
  if (typeof v === 'string') return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v && typeof v === 'object')
    return Object.entries(v)
      .filter(([k]) => k !== 'description' && k !== 'displayName')
      .flatMap(([k, x]) => strings(x, path ? `${path}.${k}` : k));
  return [];
}

const VAR = /\$\{([A-Za-z_]\w*)(?::-[^}]*)?\}|\$([A-Za-z_]\w*)/g;
const referenced = (text: string) => [...text.matchAll(VAR)].map((m) => m[1] ?? m[2]!);

/** ${X}, ${X:-} and $X replaced as the CLI's shell would, from `vars`; unknown names are returned, not guessed. */
function render(text: string, vars: Record<string, string>): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const out = text.replace(VAR, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (!(name in vars)) unknown.push(name);
    return vars[name] ?? '';
  });
  return { text: out, unknown };
}

describe.each(['provider.yaml', 'provider-native.yaml'])('%s', (file) => {
  it('has a name DEVPOD_PROVIDER_<NAME>_<OPTION> (DEVSY_PROVIDER_… for Devsy) can carry from a shell: no "-"', () => {
    expect(files[file]!.name).toMatch(/^[a-z][a-z0-9]*$/);
  });

  it('declares exec.describe, and every exec and custom-driver command runs our binary', () => {
    const doc = files[file]!;
    expect(doc.exec.describe).toMatch(/^\$\{NOMAD_PROVIDER\} (native )?describe$/);
    const run = commands(doc).filter(([where]) => where.startsWith('exec.') || where.startsWith('agent.custom.'));
    expect(run.length).toBeGreaterThan(0);
    for (const [where, text] of run) expect({ where, text }).toEqual({ where, text: expect.stringMatching(/^\$\{NOMAD_PROVIDER\} /) });
  });

  describe.each(CLIS)('rendered for $name', (cli) => {
    const vars = () => {
      const doc = files[file]!;
      const v: Record<string, string> = { ...cli.own };
      for (const name of SHARED) v[name] = `<${name}>`;
      for (const [name, o] of Object.entries(doc.options)) v[name] = o.default ?? '';
      for (const name of Object.keys({ ...doc.binaries, ...doc.agent?.binaries })) v[name] = BINARY;
      return v;
    };

    it('every variable the file refers to is one this CLI sets (an option, a binary, or a variable both CLIs set)', () => {
      const v = vars();
      const unknown = strings(files[file]).flatMap(([where, text]) => render(text, v).unknown.map((name) => `${where}: \${${name}}`));
      expect(unknown).toEqual([]);
    });

    it('no command refers to the other CLI: its executable variable, its hidden helper commands or its agent directory', () => {
      const v = vars();
      const found = commands(files[file]!).flatMap(([where, text]) => {
        const rendered = render(text, v).text;
        return cli.others.filter((re) => re.test(text) || re.test(rendered)).map((re) => `${where}: ${re} in ${JSON.stringify(rendered)}`);
      });
      expect(found).toEqual([]);
    });

    it('exec and custom-driver commands render to our binary and a subcommand', () => {
      const v = vars();
      for (const [where, text] of commands(files[file]!).filter(([w]) => w.startsWith('exec.') || w.startsWith('agent.custom.'))) {
        expect({ where, rendered: render(text, v).text }).toEqual({
          where,
          rendered: expect.stringMatching(new RegExp(`^${BINARY.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} [a-z]`)),
        });
      }
    });
  });
});

it('the variables the two CLIs name differently are the ones this test tells apart', () => {
  // A guard on the test itself: were both lists to share a name, "refers to the other CLI" would prove nothing.
  const [devpod, devsy] = CLIS;
  expect(Object.keys(devpod!.own).filter((k) => k in devsy!.own)).toEqual([]);
  expect(referenced('${DEVPOD} $DEVSY ${X:-y}')).toEqual(['DEVPOD', 'DEVSY', 'X']);
});
