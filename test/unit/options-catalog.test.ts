// The options catalog (src/adapters/config/catalog/) is the one list of options: provider.yaml and the native
// provider file declare exactly its options with its descriptions, the defaults it states are the ones the
// provider applies, and docs/options.md is its current rendering.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { CATALOG, OPTION_GROUPS } from '../../src/adapters/config/catalog/index.js';
import { loadConfig, type ProviderConfig } from '../../src/adapters/config/index.js';
import { parseDurationMs } from '../../src/adapters/config/parse.js';
import { OPTIONS as TRUST } from '../../src/adapters/config/trust.js';
import { nativeProvider, type ProviderFile } from '../../scripts/lib/native-provider.mjs';
import { OPTIONS_DOC, README, renderOptionsDoc, withCommonTable } from '../../scripts/options-doc.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const machine = YAML.parse(readFileSync(join(ROOT, 'provider.yaml'), 'utf8')) as ProviderFile;
const native = nativeProvider(machine);
const byName = new Map(CATALOG.map((o) => [o.name, o]));
const OPTION_NAME = /\b(?:NOMAD|VAULT|AGENT|INACTIVITY|INJECT)_[A-Z0-9_]*[A-Z0-9]\b/g;

describe('the options catalog', () => {
  it('names each option once', () => {
    expect(CATALOG.length).toBeGreaterThan(50);
    expect(byName.size).toBe(CATALOG.length);
  });

  it('names the same options as the trust table, with the same secrets', () => {
    expect(CATALOG.map((o) => o.name).sort()).toEqual(Object.keys(TRUST).sort());
    for (const o of CATALOG) expect(TRUST[o.name]?.secret ?? false, o.name).toBe(o.secret ?? false);
  });

  it('holds every option the config code reads', () => {
    const dir = join(ROOT, 'src', 'adapters', 'config');
    const files = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f)),
      join(ROOT, 'src', 'adapters', 'nomad', 'connection.ts'),
    ];
    const read = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(OPTION_NAME)].map((m) => m[0])));
    expect(read.size).toBeGreaterThan(40);
    expect([...read].filter((name) => !byName.has(name))).toEqual([]);
  });
});

describe.each([
  ['provider.yaml', machine, false],
  ['the native provider file', native, true],
] as const)('%s', (_, file, isNative) => {
  const expected = CATALOG.filter((o) => !(isNative ? o.machineOnly : o.nativeOnly));

  it("declares exactly the catalog's options", () => {
    expect(Object.keys(file.options).sort()).toEqual(expected.map((o) => o.name).sort());
  });

  it('groups them as the catalog does, in its order', () => {
    const groups = OPTION_GROUPS.map((g) => ({
      name: g.name,
      defaultVisible: g.defaultVisible,
      options: g.options.filter((o) => expected.includes(o)).map((o) => o.name),
    }));
    expect(file.optionGroups).toEqual(groups);
  });

  it.each(expected.map((o) => [o.name, o] as const))('declares %s as the catalog does', (name, o) => {
    const declared = file.options[name]!;
    expect(declared.description).toBe(isNative && o.nativeDescription ? o.nativeDescription : o.description);
    expect(declared.password ?? false).toBe(o.secret ?? false);
    expect(declared.command).toBe(o.fromShell ? `printf '%s' "\${${name}:-}"` : undefined);
    // Only options DevPod reads itself carry a default there: any other would mask the repository's file.
    expect(declared.default).toBe(o.devpodReads ? o.default : undefined);
    expect(declared.type).toBe(o.type);
  });
});

describe('the defaults', () => {
  it.each(CATALOG.filter((o) => o.default !== undefined && !o.devpodReads).map((o) => [o.name, o] as const))(
    'of %s are named in what DevPod shows',
    (_, o) => {
      expect(o.description).toContain(o.default);
    },
  );

  const config = (env: Record<string, string> = {}): ProviderConfig => loadConfig(env, { cwd: mkdtempSync(join(tmpdir(), 'catalog-')) });
  const vault = { VAULT_SECRETS_JSON: '[{"path": "secret/data/app", "fields": {"a": "A"}}]' };
  const dynamic = { NOMAD_VOLUME_TYPE: 'dynamic' };
  // How each default shows in the validated config: [option, options set alongside, the value as the catalog writes it].
  const APPLIED: Array<[string, Record<string, string>, (c: ProviderConfig) => string | undefined]> = [
    ['NOMAD_ADDR', {}, (c) => c.connection.address],
    ['NOMAD_SKIP_VERIFY', {}, (c) => String(c.connection.skipVerify)],
    ['NOMAD_DRIVER', {}, (c) => c.driver],
    ['NOMAD_IMAGE', {}, (c) => c.image],
    ['NOMAD_CPU', {}, (c) => String(c.resources.cpuMHz)],
    ['NOMAD_MEMORYMB', {}, (c) => String(c.resources.memoryMB)],
    ['NOMAD_DISKMB', {}, (c) => String(c.resources.diskMB)],
    ['NOMAD_TIMEOUT', {}, (c) => (c.timeoutMs === parseDurationMs('10m') ? '10m' : String(c.timeoutMs))],
    ['NOMAD_DATACENTERS', {}, (c) => c.datacenters.join(',')],
    ['NOMAD_GPU_COUNT', {}, (c) => String(c.gpu?.count ?? 0)],
    ['NOMAD_GPU_NAME', { NOMAD_GPU_COUNT: '1' }, (c) => c.gpu?.name],
    ['NOMAD_VOLUME_TYPE', {}, (c) => c.volume?.type ?? 'none'],
    ['NOMAD_VOLUME_MOUNT', dynamic, (c) => c.volume?.mount],
    ['NOMAD_VOLUME_PLUGIN', dynamic, (c) => c.volume?.managed?.plugin],
    ['NOMAD_VOLUME_KEEP', dynamic, (c) => String(c.volume?.managed?.keep)],
    ['NOMAD_VOLUME_READ_ONLY', dynamic, (c) => String(c.volume?.readOnly)],
    ['NOMAD_VOLUME_ACCESS_MODE', dynamic, (c) => c.volume?.accessMode],
    ['NOMAD_VOLUME_ATTACHMENT_MODE', dynamic, (c) => c.volume?.attachmentMode],
    ['NOMAD_REGISTRY_AUTH', {}, (c) => c.registryAuth.mode],
    ['NOMAD_CA_CERTS', {}, (c) => (c.caCerts.length === 0 ? 'none' : JSON.stringify(c.caCerts))],
    ['NOMAD_DOCKER_ACCESS', {}, (c) => c.dockerAccess],
    ['NOMAD_ALLOW_PRIVILEGED', {}, (c) => String(c.allowPrivileged)],
    ['VAULT_ROLE', vault, (c) => c.vault?.role],
    ['VAULT_CHANGE_MODE', vault, (c) => c.vault?.changeMode],
    ['VAULT_CHANGE_SIGNAL', { ...vault, VAULT_CHANGE_MODE: 'signal' }, (c) => c.vault?.changeSignal],
  ];
  // Defaults that are not the provider's to apply, and who applies them.
  const ELSEWHERE: Record<string, string> = {
    NOMAD_NAMESPACE: 'Nomad, for a request that names no namespace',
    NOMAD_CONFIG_FILE: 'sources.ts, which searches for .devpod/nomad.yaml',
    AGENT_PATH: 'DevPod, from provider.yaml',
    AGENT_DATA_PATH: 'DevPod, from provider.yaml',
    INJECT_GIT_CREDENTIALS: 'DevPod, from provider.yaml',
    INJECT_DOCKER_CREDENTIALS: 'DevPod, from provider.yaml',
    DOCKERLESS_DISABLED: 'DevPod, from the native provider file',
  };

  it('are each either applied by the provider (checked below) or by someone named', () => {
    const covered = new Set([...APPLIED.map(([name]) => name), ...Object.keys(ELSEWHERE)]);
    expect(CATALOG.filter((o) => o.default !== undefined && !covered.has(o.name)).map((o) => o.name)).toEqual([]);
    expect([...covered].filter((name) => byName.get(name)?.default === undefined)).toEqual([]);
  });

  it.each(APPLIED)('of %s is what the provider applies', (name, env, value) => {
    expect(value(config(env))).toBe(byName.get(name)!.default);
  });
});

describe('docs/options.md', () => {
  it("is the catalog's current rendering (run npm run docs:options after changing the catalog)", () => {
    expect(readFileSync(join(ROOT, OPTIONS_DOC), 'utf8')).toBe(renderOptionsDoc());
  });

  it("and the README's table of the options a user sets most are current (npm run docs:options)", () => {
    const readme = readFileSync(join(ROOT, README), 'utf8');
    expect(readme).toBe(withCommonTable(readme));
    expect(CATALOG.filter((o) => o.common).length).toBeGreaterThan(8);
  });

  it('has a row for every option', () => {
    const doc = renderOptionsDoc();
    for (const o of CATALOG) expect(doc, o.name).toContain(`| \`${o.name}\` |`);
  });
});
