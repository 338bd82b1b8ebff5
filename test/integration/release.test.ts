// What `npm run release` ships, checked the way users meet it: every checksum in both provider files is the sha256
// of the file it names; all five platforms are listed, each with an executable built for that OS and architecture
// (read from its header); the linux ones run here (arm64 under qemu-user) and answer `status` from Nomad with no
// Node installed; and DevPod refuses a served binary whose bytes differ from the checksum.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureDebianPackages } from '../helpers/debian.js';
import { devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { listedBinaries, pathWithoutNode, release, serveRelease, sha256File, type ProviderBinary, type ServedRelease } from '../helpers/release.js';

const root = resolve(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64', 'windows/amd64'];
const PROVIDER_FILES = ['provider.yaml', 'provider-native.yaml'];
const work = mkdtempSync(join(tmpdir(), 'release-test-'));
const pathDir = pathWithoutNode();

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(pathDir, { recursive: true, force: true });
});

/** The OS and Go architecture an executable is built for, from its ELF, Mach-O or PE header. */
function builtFor(path: string): { os: string; arch: string } | undefined {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(4096);
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32BE(0) === 0x7f454c46 && head[4] === 2) {
    const arch = ({ 62: 'amd64', 183: 'arm64' } as Record<number, string>)[head.readUInt16LE(0x12)];
    return arch ? { os: 'linux', arch } : undefined;
  }
  if (head.readUInt32LE(0) === 0xfeedfacf) {
    const arch = ({ 16777223: 'amd64', 16777228: 'arm64' } as Record<number, string>)[head.readUInt32LE(4)];
    return arch ? { os: 'darwin', arch } : undefined;
  }
  if (head.toString('latin1', 0, 2) === 'MZ') {
    const pe = head.readUInt32LE(0x3c);
    if (head.toString('latin1', pe, pe + 4) !== 'PE\0\0') return undefined;
    const arch = ({ 34404: 'amd64', 43620: 'arm64' } as Record<number, string>)[head.readUInt16LE(pe + 4)];
    return arch ? { os: 'windows', arch } : undefined;
  }
  return undefined;
}

describe('npm run release (--targets=all)', () => {
  const dir = join(work, 'all');
  const listed: Record<string, ProviderBinary[]> = {};
  const entry = (platform: string) => listed['provider.yaml']!.find((b) => `${b.os}/${b.arch}` === platform)!;

  beforeAll(() => {
    release('all', dir);
    for (const f of PROVIDER_FILES) listed[f] = listedBinaries(join(dir, f));
  }, 900_000);

  it('lists the five platforms DevPod runs on, the same in both provider files', () => {
    expect(listed['provider.yaml']!.map((b) => `${b.os}/${b.arch}`)).toEqual(PLATFORMS);
    expect(listed['provider-native.yaml']).toEqual(listed['provider.yaml']);
  });

  it.each(PROVIDER_FILES)('%s: every checksum is the sha256 of the file it names', async (file) => {
    for (const b of listed[file]!) {
      expect(isAbsolute(b.path) && b.path.startsWith(dir)).toBe(true);
      expect({ path: b.path, checksum: await sha256File(b.path) }).toEqual({ path: b.path, checksum: b.checksum });
    }
  });

  it('names for each platform an executable built for that OS and architecture', () => {
    for (const b of listed['provider.yaml']!) {
      expect({ file: basename(b.path), builtFor: builtFor(b.path) }).toEqual({ file: basename(b.path), builtFor: { os: b.os, arch: b.arch } });
    }
  });

  it('linux-amd64 runs with no node on the PATH and answers status from Nomad', () => {
    const env = { PATH: pathDir, HOME: process.env.HOME ?? '/root', NOMAD_ADDR: inject('nomadAddr'), MACHINE_ID: 'release-test-absent' };
    const bin = entry('linux/amd64').path;
    expect(execFileSync(bin, ['--version'], { env, encoding: 'utf8' }).trim()).toBe(version);
    expect(execFileSync(bin, ['status'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('NotFound\n');
  });

  it('linux-arm64 runs under qemu-user and answers status from Nomad', () => {
    ensureDebianPackages(['qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross']);
    const env = { PATH: pathDir, HOME: process.env.HOME ?? '/root', NOMAD_ADDR: inject('nomadAddr'), MACHINE_ID: 'release-test-absent' };
    const qemu = ['-L', '/usr/aarch64-linux-gnu', entry('linux/arm64').path];
    expect(execFileSync('qemu-aarch64-static', [...qemu, '--version'], { env, encoding: 'utf8' }).trim()).toBe(version);
    expect(execFileSync('qemu-aarch64-static', [...qemu, 'status'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('NotFound\n');
  }, 120_000);
});

describe('the JS-only release (node scripts/release.mjs)', () => {
  const dir = join(work, 'js');
  beforeAll(() => release('js', dir), 300_000);

  it.each(PROVIDER_FILES)('%s names the bundle for linux and darwin, with its sha256', async (file) => {
    const bundle = join(dir, 'devpod-provider-nomad.js');
    const checksum = await sha256File(bundle);
    expect(listedBinaries(join(dir, file))).toEqual(
      ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64'].map((p) => ({
        os: p.split('/')[0],
        arch: p.split('/')[1],
        path: bundle,
        checksum,
      })),
    );
  });
});

describe('DevPod and a served binary that does not match its checksum', () => {
  const EXECUTABLE = 'devpod-provider-nomad-linux-amd64';
  const home = join(work, 'devpod-home');
  let served: ServedRelease;
  let dp: Devpod;

  beforeAll(async () => {
    served = await serveRelease('linux-amd64');
    mkdirSync(join(home, 'tmp'), { recursive: true });
    // A fresh TMPDIR: DevPod's download cache ($TMPDIR/devpod-binaries) holds nothing it could use instead.
    dp = devpodCli(home, 120_000, { PATH: pathDir, TMPDIR: join(home, 'tmp') });
  }, 600_000);

  afterAll(async () => {
    await served?.close();
  });

  const add = () =>
    dp.run(
      providerAddArgs(`${served.url}/provider.yaml`, 'nomad', {
        NOMAD_ADDR: inject('nomadAddr'),
        NOMAD_DRIVER: 'raw_exec',
      }),
    );
  const downloads = () => served.requests.filter((r) => r === `/${EXECUTABLE}`).length;

  it('refuses to add the provider when one byte of the executable differs', async () => {
    const tampered = readFileSync(join(served.dir, EXECUTABLE));
    const at = tampered.length >> 1;
    tampered[at] = tampered[at]! ^ 0xff;
    served.override(EXECUTABLE, tampered);
    const r = await add();
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Unexpected file checksum [0-9a-f]{64} != [0-9a-f]{64} for binary NOMAD_PROVIDER/);
    expect(r.out).toMatch(/cannot download provider binary NOMAD_PROVIDER, because checksum check has failed/);
    expect(downloads()).toBe(3); // DevPod's three tries, each refused
    const list = await dp.run(['provider', 'list', '--output', 'json']);
    expect(list.code).toBe(0);
    expect(Object.keys(JSON.parse(list.stdout || '{}') as Record<string, unknown>)).not.toContain('nomad');
  });

  it('adds it once the served bytes are the released ones again', async () => {
    served.override(EXECUTABLE, undefined);
    const r = await add();
    expect(r.out).toMatch(/Successfully configured provider 'nomad'/);
    expect(r.code).toBe(0);
    expect(downloads()).toBe(4);
  });
});
