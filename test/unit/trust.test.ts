// The trust table (src/adapters/config/trust.ts) is the one list of options: every option the config reads is in it,
// provider.yaml and the native provider file declare exactly its options, docs/security.md carries its current copy,
// and each option a repository may not set (or may not set to some value) has a refusal case in bad-input.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { repositoryProblems } from '../../src/adapters/config/repository-check.js';
import { optionSources } from '../../src/adapters/config/sources.js';
import { OPTIONS } from '../../src/adapters/config/trust.js';
import { DOC, optionsTable, withCurrentTable } from '../../scripts/options-table.js';
import { nativeProvider, type ProviderFile } from '../../scripts/lib/native-provider.mjs';
import { BAD_FILE_INPUT } from '../helpers/bad-input.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const provider = YAML.parse(readFileSync(join(ROOT, 'provider.yaml'), 'utf8')) as ProviderFile;
const native = nativeProvider(provider);
const CONFIG_DIR = join(ROOT, 'src', 'adapters', 'config');
const OPTION_NAME = /'((?:NOMAD|VAULT|AGENT|INACTIVITY|INJECT)_[A-Z0-9_]*[A-Z0-9])'/g;

/** The variables the nomad CLI reads for its connection (api.DefaultConfig), which provider.yaml captures from the shell. */
const CONNECTION = [
  'NOMAD_ADDR',
  'NOMAD_TOKEN',
  'NOMAD_NAMESPACE',
  'NOMAD_REGION',
  'NOMAD_HTTP_AUTH',
  'NOMAD_CACERT',
  'NOMAD_CAPATH',
  'NOMAD_CLIENT_CERT',
  'NOMAD_CLIENT_KEY',
  'NOMAD_TLS_SERVER_NAME',
  'NOMAD_SKIP_VERIFY',
];

describe('the trust table', () => {
  it('holds every option the config reads', () => {
    const read = new Set<string>();
    for (const file of readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.ts') && f !== 'trust.ts')) {
      for (const m of readFileSync(join(CONFIG_DIR, file), 'utf8').matchAll(OPTION_NAME)) read.add(m[1]!);
    }
    for (const m of readFileSync(join(ROOT, 'src', 'adapters', 'nomad', 'connection.ts'), 'utf8').matchAll(OPTION_NAME)) read.add(m[1]!);
    expect(read.size).toBeGreaterThan(40);
    expect([...read].filter((name) => !(name in OPTIONS))).toEqual([]);
  });

  it('gives every option one line of why', () => {
    for (const [name, rule] of Object.entries(OPTIONS)) expect(rule.why, name).toMatch(/^[^\n]{8,}$/);
  });

  it('keeps connection, credentials and TLS personal, and every secret personal', () => {
    for (const name of CONNECTION) expect(OPTIONS[name]!.trust, name).toBe('personal');
    for (const [name, rule] of Object.entries(OPTIONS)) if (rule.secret) expect(rule.trust, name).toBe('personal');
    expect(
      Object.entries(OPTIONS)
        .filter(([, r]) => r.secret)
        .map(([n]) => n),
    ).toEqual(['NOMAD_TOKEN', 'NOMAD_HTTP_AUTH', 'NOMAD_REGISTRY_PASSWORD']);
  });

  it('has a refusal case for every personal option and every option with unsafe values', () => {
    const covered = new Set(BAD_FILE_INPUT.flatMap(([, file]) => Object.keys(file)));
    const needed = Object.entries(OPTIONS)
      .filter(([, r]) => r.trust === 'personal' || r.unsafe)
      .map(([n]) => n);
    expect(needed.filter((n) => !covered.has(n))).toEqual([]);
  });

  it.each([
    ['NOMAD_DRIVER', ['docker', 'podman', 'exec', 'nspawn'], ['raw_exec', ' raw_exec ']],
    ['NOMAD_DOCKER_ACCESS', ['none'], ['host-socket']],
    ['NOMAD_CA_CERTS', ['none'], ['default', '/etc/ssl/ca.crt']],
    ['NOMAD_TASK_USER', ['dev', 'vscode', '1000'], ['root']],
    [
      'NOMAD_NSPAWN_CONFIG_JSON',
      ['{}', '{"resolv_conf":"copy-host","user_namespacing":true}', 'not json'],
      ['{"bind":{}}', '{"bind_read_only":{"/a":"/b"}}', '{"user_namespacing":false}'],
    ],
  ])('lets a repository set %s to %j and not to %j', (name, safe, unsafe) => {
    const fromFile = (value: string) =>
      repositoryProblems({ values: { [name]: value }, origin: { [name]: 'file' }, file: '/r/.devpod/nomad.yaml', fromFile: { [name]: value } });
    for (const v of safe) expect(fromFile(v), v).toEqual([]);
    for (const v of unsafe) expect(fromFile(v), v).toHaveLength(1);
  });

  it("judges the file as written, even where the person's own options override it", () => {
    const vals = {
      values: { NOMAD_ADDR: 'http://mine:4646' },
      origin: { NOMAD_ADDR: 'environment' as const },
      file: '/r/.devpod/nomad.yaml',
      fromFile: { NOMAD_ADDR: 'http://theirs:4646', NOMAD_REGION: ' ' },
    };
    expect(repositoryProblems(vals)).toEqual([
      expect.stringMatching(/^NOMAD_ADDR="http:\/\/theirs:4646" is set in \/r\/.devpod\/nomad.yaml, a repository's file, which may not set it/),
    ]);
  });

  it('judges the file only: the same values from flags and the environment pass', () => {
    const values = { NOMAD_ADDR: 'http://x:1', NOMAD_DRIVER: 'raw_exec', NOMAD_TASK_USER: 'root', NOMAD_CPUS: '1' };
    expect(
      repositoryProblems({
        values,
        origin: { NOMAD_ADDR: 'environment', NOMAD_DRIVER: 'flag', NOMAD_TASK_USER: 'environment', NOMAD_CPUS: 'environment' },
      }),
    ).toEqual([]);
  });
});

describe('where each value came from (plan)', () => {
  it('names flag, environment, file or default for every option, and never shows a secret', () => {
    const sources = optionSources({
      values: {
        NOMAD_CPU: '900',
        NOMAD_MEMORYMB: '4GB',
        NOMAD_TOKEN: 'c0ffee-secret',
        NOMAD_HTTP_AUTH: 'me:pw',
        NOMAD_REGISTRY_PASSWORD: 'pw',
        NOMAD_IMAGE: 'debian:12',
        PATH: '/bin',
      },
      origin: {
        NOMAD_CPU: 'flag',
        NOMAD_MEMORYMB: 'file',
        NOMAD_TOKEN: 'environment',
        NOMAD_HTTP_AUTH: 'environment',
        NOMAD_REGISTRY_PASSWORD: 'environment',
        NOMAD_IMAGE: 'environment',
        PATH: 'environment',
      },
      file: '/r/.devpod/nomad.yaml',
    });
    expect(sources.map((s) => s.name)).toEqual(Object.keys(OPTIONS));
    const by = Object.fromEntries(sources.map((s) => [s.name, s]));
    expect(by.NOMAD_CPU).toEqual({ name: 'NOMAD_CPU', origin: 'flag', value: '900' });
    expect(by.NOMAD_MEMORYMB).toEqual({ name: 'NOMAD_MEMORYMB', origin: 'file', value: '4GB' });
    expect(by.NOMAD_IMAGE).toEqual({ name: 'NOMAD_IMAGE', origin: 'environment', value: 'debian:12' });
    expect(by.NOMAD_DRIVER).toEqual({ name: 'NOMAD_DRIVER', origin: 'default' });
    for (const name of ['NOMAD_TOKEN', 'NOMAD_HTTP_AUTH', 'NOMAD_REGISTRY_PASSWORD'])
      expect(by[name]).toEqual({ name, origin: 'environment', value: '<redacted>' });
    expect(JSON.stringify(sources)).not.toMatch(/c0ffee-secret|me:pw|"pw"/);
  });
});

describe('provider files', () => {
  it.each([
    ['provider.yaml', provider],
    ['provider-native.yaml', native],
  ])("%s declares exactly the table's options, each in a group", (_file, doc) => {
    const declared = Object.keys(doc.options).sort();
    // The machine provider's agent paths are not the native file's; DevPod's dockerless builder and privileged
    // devcontainers are the native file's only.
    const absent = doc === native ? ['AGENT_DATA_PATH', 'AGENT_PATH'] : ['DOCKERLESS_DISABLED', 'DOCKERLESS_IMAGE', 'NOMAD_ALLOW_PRIVILEGED'];
    expect(declared).toEqual(
      Object.keys(OPTIONS)
        .filter((n) => !absent.includes(n))
        .sort(),
    );
    expect(doc.optionGroups.flatMap((g) => g.options).sort()).toEqual(declared);
  });

  it.each([
    ['provider.yaml', provider],
    ['provider-native.yaml', native],
  ])('%s hides every secret option (password: true)', (_file, doc) => {
    for (const [name, rule] of Object.entries(OPTIONS)) expect(Boolean(doc.options[name]?.password), name).toBe(Boolean(rule.secret));
  });

  it.each([
    ['provider.yaml', provider],
    ['provider-native.yaml', native],
  ])('%s captures each connection variable from the shell, as the nomad CLI reads it', (_file, doc) => {
    for (const name of CONNECTION) {
      const command = doc.options[name]?.command;
      expect(command, name).toBeDefined();
      // Run as DevPod runs an option's command: a shell with the person's environment.
      const set = spawnSync('sh', ['-c', command!], { env: { PATH: process.env.PATH, [name]: `value-of-${name}` }, encoding: 'utf8' });
      expect(set.stdout, name).toBe(`value-of-${name}`);
      const unset = spawnSync('sh', ['-c', command!], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
      expect([unset.stdout, unset.status], name).toEqual(['', 0]);
    }
  });
});

describe(DOC, () => {
  it('carries the current table (run npm run docs:options after changing trust.ts)', () => {
    const doc = readFileSync(join(ROOT, DOC), 'utf8');
    expect(doc).toContain(optionsTable());
    expect(withCurrentTable(doc)).toBe(doc);
  });
});
