// Option validation: every bad value is refused with a message naming the option, the value and what is expected;
// sources combine as documented (flag > environment > .devpod/nomad.yaml > default).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationMs, parseGoDuration, parseMegabytes } from '../../src/adapters/config/index.js';
import YAML from 'yaml';
import { BAD_FILE_INPUT, BAD_INPUT } from '../helpers/bad-input.js';

const empty = mkdtempSync(join(tmpdir(), 'cfg-empty-'));

function problems(env: Record<string, string>, cwd = empty): string[] {
  try {
    loadConfig(env, { cwd });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('bad option values', () => {
  it(`has at least 30 cases (${BAD_INPUT.length})`, () => {
    expect(BAD_INPUT.length).toBeGreaterThanOrEqual(30);
  });
  it.each(BAD_INPUT)('%s', (_what, env, message) => {
    expect(problems(env)).toEqual([message]);
  });
  it('reports every problem at once', () => {
    expect(problems({ NOMAD_CPU: 'x', NOMAD_DRIVER: 'y', NOMAD_TIMEOUT: 'z' })).toHaveLength(3);
  });
});

describe('config sources', () => {
  const repo = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-repo-'));
    mkdirSync(join(dir, '.devpod'));
    mkdirSync(join(dir, 'sub', 'dir'), { recursive: true });
    return dir;
  };

  it('takes values from .devpod/nomad.yaml found from the working directory upwards', () => {
    const dir = repo();
    writeFileSync(join(dir, '.devpod', 'nomad.yaml'), 'NOMAD_MEMORYMB: 4GB\nNOMAD_CPU: 900\nVAULT_POLICIES_JSON: [devpod]\n');
    const cfg = loadConfig({}, { cwd: join(dir, 'sub', 'dir') });
    expect(cfg.resources).toMatchObject({ memoryMB: 4096, cpuMHz: 900 });
    expect(cfg.vault?.policies).toEqual(['devpod']);
    expect(cfg.configFile).toBe(join(dir, '.devpod', 'nomad.yaml'));
  });

  it('lets the environment win over the file, and a flag over both; blank variables count as unset', () => {
    const dir = repo();
    writeFileSync(join(dir, '.devpod', 'nomad.yaml'), 'NOMAD_MEMORYMB: 4GB\nNOMAD_CPU: 900\nNOMAD_DISKMB: 1GB\n');
    const cfg = loadConfig({ NOMAD_CPU: '300', NOMAD_MEMORYMB: '2GB', NOMAD_DISKMB: '' }, { cwd: dir, flags: { NOMAD_MEMORYMB: '1GB' } });
    expect(cfg.resources).toMatchObject({ memoryMB: 1024, cpuMHz: 300, diskMB: 1024 });
  });

  it('names the file when a value from it is invalid', () => {
    const dir = repo();
    const file = join(dir, '.devpod', 'nomad.yaml');
    writeFileSync(file, 'NOMAD_CPU: many\n');
    expect(problems({}, dir)).toEqual([`NOMAD_CPU="many" (from ${file}) is not valid: expected a whole number of MHz greater than 0, e.g. 500`]);
  });

  it("takes INACTIVITY_TIMEOUT from the provider's options while the file sets it (and is refused for it, below)", () => {
    expect(loadConfig({ INACTIVITY_TIMEOUT: '1h' }, { cwd: empty }).inactivityTimeout).toBe('1h');
  });

  it.each([
    ['broken YAML', 'NOMAD_CPU: [1, 2\n', /is not valid YAML \(.+\): expected a mapping of option names to values/],
    ['a list', '- NOMAD_CPU\n', /must be a mapping of option names to values \(e\.g\. "NOMAD_MEMORYMB: 4GB"\), not a list/],
    ['a lower-case key', 'nomad_cpu: 1\n', /key "nomad_cpu" is not an option name: expected upper-case names such as NOMAD_CPU/],
  ])('refuses a .devpod/nomad.yaml that is %s', (_what, text, message) => {
    const dir = repo();
    writeFileSync(join(dir, '.devpod', 'nomad.yaml'), text);
    expect(() => loadConfig({}, { cwd: dir })).toThrow(message);
  });

  it('uses NOMAD_CONFIG_FILE when given, and says when it cannot be read', () => {
    expect(() => loadConfig({ NOMAD_CONFIG_FILE: '/nonexistent/nomad.yaml' }, { cwd: empty })).toThrow(
      'NOMAD_CONFIG_FILE="/nonexistent/nomad.yaml" cannot be read (ENOENT): expected a YAML file of option names and values',
    );
  });

  it('has the documented defaults', () => {
    const cfg = loadConfig({}, { cwd: empty });
    expect(cfg).toMatchObject({
      driver: 'docker',
      image: 'ubuntu:22.04',
      resources: { cpuMHz: 200, memoryMB: 512, diskMB: 300 },
      datacenters: ['*'],
      dockerAccess: 'none',
      caCerts: [],
      registryAuth: { mode: 'client' },
      timeoutMs: 600_000,
    });
    expect(cfg.vault).toBeUndefined();
    expect(cfg.gpu).toBeUndefined();
    expect(cfg.volume).toBeUndefined();
  });
});

describe("a repository's file that reaches past the workspace's shape", () => {
  it.each(BAD_FILE_INPUT)('is refused: %s', (_what, fileOptions, env, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-trust-'));
    mkdirSync(join(dir, '.devpod'));
    const file = join(dir, '.devpod', 'nomad.yaml');
    writeFileSync(file, YAML.stringify(fileOptions));
    const got = problems(env, dir);
    expect(got).toEqual([message(file)]);
    // A secret given in the file is not echoed back.
    for (const [name, value] of Object.entries(fileOptions)) if (/TOKEN|PASSWORD|HTTP_AUTH/.test(name)) expect(got[0]).not.toContain(value);
  });

  it('is refused whole, every overreach at once, before any other option is looked at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-trust-'));
    mkdirSync(join(dir, '.devpod'));
    writeFileSync(join(dir, '.devpod', 'nomad.yaml'), 'NOMAD_ADDR: http://x:1\nNOMAD_DRIVER: raw_exec\nNOMAD_CPU: lots\n');
    expect(problems({}, dir).map((p) => p.split(' ')[0])).toEqual(['NOMAD_ADDR="http://x:1"', 'NOMAD_DRIVER="raw_exec"']);
  });

  it('names the provider as DevPod knows it (PROVIDER_ID) in the command to use instead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-trust-'));
    mkdirSync(join(dir, '.devpod'));
    writeFileSync(join(dir, '.devpod', 'nomad.yaml'), 'NOMAD_REGION: eu\n');
    expect(problems({ PROVIDER_ID: 'nomad-prod' }, dir)[0]).toMatch(/devpod provider set-options nomad-prod -o NOMAD_REGION=eu$/);
  });

  it("takes the same values from the person's own options", () => {
    for (const [, fileOptions, env] of BAD_FILE_INPUT.filter(
      // A task user on nspawn is refused from anyone (config rules: its commands run as root), not only from a file.
      ([, o]) =>
        !('NOMAD_CPUS' in o) &&
        !('NOMAD_CONFIG_FILE' in o) &&
        !('NOMAD_JOB_TEMPLATE' in o) &&
        !(o.NOMAD_DRIVER === 'nspawn' && 'NOMAD_TASK_USER' in o),
    )) {
      const all = { ...env, ...fileOptions };
      // Values that are only samples for the file, completed so that the whole is a valid config.
      if (all.NOMAD_REGISTRY_AUTH || all.NOMAD_REGISTRY_USERNAME || all.NOMAD_REGISTRY_PASSWORD)
        Object.assign(all, { NOMAD_REGISTRY_AUTH: 'job', NOMAD_REGISTRY_USERNAME: 'robot', NOMAD_REGISTRY_PASSWORD: 'p' });
      if (all.NOMAD_VOLUME_SOURCE) all.NOMAD_VOLUME_TYPE = 'host';
      if (all.NOMAD_VOLUME_PARAMETERS_JSON) all.NOMAD_VOLUME_TYPE = 'dynamic';
      if (all.NOMAD_DOCKER_ACCESS) all.NOMAD_DRIVER = 'docker';
      if (all.NOMAD_PORTS_HOST_NETWORK || all.NOMAD_SERVICE_TAGS || all.NOMAD_INGRESS_DOMAIN) all.NOMAD_PORTS = 'web=3000';
      expect(problems(all), JSON.stringify(fileOptions)).toEqual([]);
    }
  });

  it("accepts the workspace's shape, with the safe values of options that have unsafe ones", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-trust-'));
    mkdirSync(join(dir, '.devpod'));
    writeFileSync(
      join(dir, '.devpod', 'nomad.yaml'),
      [
        'NOMAD_DRIVER: nspawn',
        'NOMAD_IMAGE: debian:12',
        'NOMAD_MEMORYMB: 4GB',
        'NOMAD_CPU: 900',
        'NOMAD_DISKMB: 2GB',
        'NOMAD_TIMEOUT: 24h',
        'NOMAD_DATACENTERS: dc1',
        'NOMAD_NODE_POOL: gpu',
        'NOMAD_GPU_COUNT: 1',
        'NOMAD_DOCKER_ACCESS: none',
        'NOMAD_CA_CERTS: none',
        'NOMAD_NSPAWN_CONFIG_JSON: {resolv_conf: copy-host, user_namespacing: true}',
        'NOMAD_VOLUME_TYPE: dynamic',
        'NOMAD_VOLUME_SIZE: 10GB',
        'NOMAD_VOLUME_KEEP: true',
        'VAULT_SECRETS_JSON: [{path: secret/data/app, fields: {password: DB_PASSWORD}}]',
        'VAULT_CHANGE_MODE: noop',
        '',
      ].join('\n'),
    );
    const cfg = loadConfig({}, { cwd: dir });
    expect(cfg).toMatchObject({ driver: 'nspawn', timeoutMs: 86_400_000, dockerAccess: 'none', volume: { type: 'dynamic' } });
    expect(cfg.vault?.secrets).toHaveLength(1);
    // A task user is an account of the image on docker and podman (nspawn refuses one: its commands run as root).
    writeFileSync(join(dir, '.devpod', 'nomad.yaml'), 'NOMAD_DRIVER: podman\nNOMAD_TASK_USER: dev\n');
    expect(loadConfig({}, { cwd: dir }).taskUser).toBe('dev');
    for (const driver of ['docker', 'podman', 'exec']) {
      writeFileSync(join(dir, '.devpod', 'nomad.yaml'), `NOMAD_DRIVER: ${driver}\n`);
      expect(loadConfig({}, { cwd: dir }).driver).toBe(driver);
    }
  });
});

describe('value parsers', () => {
  it.each([
    ['512', 512],
    ['512MB', 512],
    ['4GB', 4096],
    ['4GiB', 4096],
    ['1.5G', 1536],
    ['1TB', 1048576],
    ['4 gb', 4096],
  ])('reads %s as %i MB', (text, mb) => {
    expect(parseMegabytes(text)).toBe(mb);
  });
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['45', 45_000],
    ['250ms', 250],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
  it.each(['30m', '1h30m', '90s', '1.5h', '500ms', '.5h', '2h0m0s'])('takes %s as a Go duration, unchanged', (text) => {
    expect(parseGoDuration(text)).toBe(text);
  });
  it.each(['30', '0', '0s', '0h0m', '1d', 'm', '-5m', '5 m', '1h-30m'])('refuses %s as a Go duration DevPod could use', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
