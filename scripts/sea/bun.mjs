// The provider executables compiled by Bun (issue 32): the same CommonJS bundle the Node SEA runs
// (scripts/sea/build.mjs `bundle`), compiled for every OS/arch DevPod runs on, on one Linux machine:
//
//   node scripts/sea/bun.mjs [linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64]
//
// writes .scratch/bun/out/devpod-provider-nomad-<os>-<arch>[.exe] (BUN_OUT_DIR to change); scripts/release.mjs calls
// it unless RELEASE_RUNTIME is node (Bun is the default runtime since 2026-12-08, docs/releasing.md). Steps:
//
// 1. Bun itself, and the Bun runtime of each target, come from the npm registry (@oven/bun-<os>-<arch>), pinned to
//    one version and integrity (RUNTIMES), cached under ~/.cache/devpod-provider-nomad/bun-runtime/<version>/. Each
//    target's runtime is handed to `bun build` with --compile-executable-path, so nothing is downloaded from Bun's
//    own host (which cannot be reached from here). The x64 targets use Bun's "baseline" builds, which need no AVX2:
//    like Go's and Node's binaries, they run on any x86-64 CPU.
// 2. `bun build --compile --bytecode --format=cjs --no-compile-autoload-dotenv --no-compile-autoload-bunfig
//    --target=bun-<os>-<arch>`: bytecode compiled ahead of time (no parsing at start), and no .env or bunfig.toml
//    read from the directory DevPod runs us in (a repository's .env must not change the provider).
// 3. macOS: Bun leaves the target runtime's own signature behind (Oven's, for darwin-x64: no longer matching) or
//    signs ad hoc as "a.out" (darwin-arm64). Either way the signature is removed (macho.mjs stripSignature) and
//    scripts/sea/macho-sign signs ad hoc as devpod-provider-nomad, which Apple silicon requires to run it at all;
//    macho.mjs verifies every page hash. Windows: Bun removes the Authenticode signature and fixes the PE checksum
//    itself; pe.mjs checks both. Linux: the ELF header's machine.
//
// Outputs are cached by content (Bun version, target, bundle, flags, signer, these scripts).
import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundle, fileName, machoSigner, NAME, npmBinary, signerKey, TARGETS } from './build.mjs';
import { checkMachOSignature, stripSignature } from './macho.mjs';
import { headers as peHeaders, peChecksum } from './pe.mjs';

const execFile = promisify(execFileCb);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

export const BUN_VERSION = process.env.BUN_RUNTIME_VERSION || '1.4.4';
/** Each target's Bun runtime: its npm package, the executable in it, bun build's --target, the registry's integrity. */
const RUNTIMES = {
  '1.4.4': {
    'linux-amd64': {
      pkg: '@oven/bun-linux-x64-baseline',
      bin: 'bin/bun',
      target: 'bun-linux-x64-baseline',
      integrity: 'sha512-FBU6T21NT+i+rESbi0Z8A8G5xN51c+WZ0v6pIjI6szSzOlqVNv64nf7FPnwNIyxKD1M7Wg5cEobLC/QbzCeLtA==',
    },
    'linux-arm64': {
      pkg: '@oven/bun-linux-aarch64',
      bin: 'bin/bun',
      target: 'bun-linux-arm64',
      integrity: 'sha512-ZTVtpf9zmHSBVPX1sBwe5agGb/rN34yPGg/Hby8e2Ax2uCUA2URZKlZH7qLntK7qaFJCMXh9v0GWNYN2zINz1w==',
    },
    'darwin-amd64': {
      pkg: '@oven/bun-darwin-x64-baseline',
      bin: 'bin/bun',
      target: 'bun-darwin-x64-baseline',
      integrity: 'sha512-uzSXckTnNNS7Un1ihiM31R7P5iKndZ65t6Zj3iI72SrfoV2uI97MKM8z1qer2oRHyqXHLUIJTIhj+qT5UeEjrw==',
    },
    'darwin-arm64': {
      pkg: '@oven/bun-darwin-aarch64',
      bin: 'bin/bun',
      target: 'bun-darwin-arm64',
      integrity: 'sha512-zW/hxwc8sJAILGwB5eTC4i48ouGXf0V4lrxmEOk3JIE6JkYVW1TZh1E2pIempqsezgW1sckTIIDudFON8bJ2Mw==',
    },
    'windows-amd64': {
      pkg: '@oven/bun-windows-x64-baseline',
      bin: 'bin/bun.exe',
      target: 'bun-windows-x64-baseline',
      integrity: 'sha512-c+169V+ole29sk5GpFuh6Q4uNwRDqu9tXZAVUYIsdfGZeiJeduQ030BkxHi3PmNpj7w/ec2+oO2okRFVFC9i1g==',
    },
  },
};
if (!RUNTIMES[BUN_VERSION]) throw new Error(`bun: no Bun ${BUN_VERSION} runtimes pinned (known: ${Object.keys(RUNTIMES).join(', ')})`);

/** The flags every executable is compiled with (step 2 above). */
export const BUN_FLAGS = ['--compile', '--bytecode', '--format=cjs', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig'];

const GOARCH = { x64: 'amd64', arm64: 'arm64' };
const cacheRoot = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'devpod-provider-nomad');
const log = (msg) => process.stderr.write(`bun: ${msg}\n`);
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)}s`;

/** The Bun runtime of `target` from the npm registry (checked against its pinned integrity), downloaded once. */
export function bunRuntime(target) {
  const r = RUNTIMES[BUN_VERSION][target];
  if (!r) throw new Error(`bun: unknown target ${target}`);
  return npmBinary({
    pkg: r.pkg,
    version: BUN_VERSION,
    integrity: r.integrity,
    bin: r.bin,
    dir: join(cacheRoot(), 'bun-runtime', BUN_VERSION, r.pkg),
  });
}

/** The Bun that compiles: the runtime of this host's own target (Linux only: the release is built on Linux). */
export function hostBun() {
  if (process.platform !== 'linux' || !GOARCH[process.arch])
    throw new Error(`bun: builds run on linux-amd64 or linux-arm64, not ${process.platform}-${process.arch}`);
  return bunRuntime(`linux-${GOARCH[process.arch]}`);
}

/** `main` (a CommonJS bundle) compiled for `target` into `out`, with the shipped flags (and `extra`). */
export async function bunCompile(main, out, target, extra = []) {
  const bun = await hostBun();
  const runtime = await bunRuntime(target);
  const { target: bunTarget } = RUNTIMES[BUN_VERSION][target];
  await execFile(bun, ['build', ...BUN_FLAGS, ...extra, `--target=${bunTarget}`, `--compile-executable-path=${runtime}`, main, '--outfile', out], {
    cwd: dirname(main),
    maxBuffer: 16 << 20,
    // Bun's own telemetry and update checks stay off; nothing here may reach for the network.
    env: { ...process.env, DO_NOT_TRACK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
  });
  return out;
}

const ELF_MACHINE = { amd64: 62, arm64: 183 };

/** Checks the executable for `target` is what its OS loads: ELF of the arch, PE32+ unsigned with a right checksum. */
function checkExecutable(target, data) {
  const t = TARGETS[target];
  if (t.os === 'linux') {
    if (data.readUInt32BE(0) !== 0x7f454c46 || data.readUInt16LE(0x12) !== ELF_MACHINE[t.arch])
      throw new Error(`bun: ${target}: not an ELF for ${t.arch}`);
  } else if (t.os === 'windows') {
    const h = peHeaders(data);
    if (h.machine !== 0x8664) throw new Error(`bun: ${target}: PE machine 0x${h.machine.toString(16)}, not x64`);
    if (h.security.size !== 0) throw new Error(`bun: ${target}: still carries the runtime's Authenticode signature`);
    if (data.readUInt32LE(h.checksumAt) !== peChecksum(data, h.checksumAt)) throw new Error(`bun: ${target}: wrong PE checksum`);
    if (!h.sections.some((s) => s.name === '.bun')) throw new Error(`bun: ${target}: no .bun section (the program)`);
  }
}

/** Builds the executables for `targets` into `outDir`; returns [{target, os, arch, file}], as buildSea does. */
export async function buildBun({ targets = Object.keys(TARGETS), outDir = process.env.BUN_OUT_DIR || join(root, '.scratch/bun/out') } = {}) {
  for (const t of targets) if (!TARGETS[t]) throw new Error(`bun: unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
  const t0 = performance.now();
  outDir = resolve(outDir);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(outDir, '.work-'));
  try {
    const main = join(work, `${NAME}.cjs`);
    const code = await bundle(main);
    const self = (await Promise.all(['bun.mjs', 'build.mjs', 'macho.mjs', 'pe.mjs'].map((f) => readFile(join(here, f)))))
      .map((b) => sha256(b))
      .join();
    const results = [];
    for (const target of targets) {
      const t = TARGETS[target];
      const r = RUNTIMES[BUN_VERSION][target];
      const key = sha256(
        [BUN_VERSION, target, r.integrity, sha256(code), BUN_FLAGS.join(' '), t.os === 'darwin' ? await signerKey() : '', self].join('\n'),
      );
      const file = join(outDir, fileName(target));
      const stamp = join(outDir, `.${fileName(target)}.key`);
      results.push({ target, os: t.os, arch: t.arch, file });
      if (existsSync(file) && (await readFile(stamp, 'utf8').catch(() => '')) === key) {
        log(`${fileName(target)} up to date`);
        continue;
      }
      const t1 = performance.now();
      const tmp = join(work, fileName(target));
      await bunCompile(main, tmp, target);
      let out = tmp;
      if (t.os === 'darwin') {
        const unsigned = join(work, `${fileName(target)}.unsigned`);
        await writeFile(unsigned, stripSignature(await readFile(tmp)));
        const signer = await machoSigner();
        out = `${tmp}.signed`;
        await execFile(signer.bin, ['-id', NAME, unsigned, out]);
        checkMachOSignature(await readFile(out), { unsigned: await readFile(unsigned), id: NAME, segment: '__BUN' });
      } else checkExecutable(target, await readFile(out));
      await chmod(out, 0o755);
      await rename(out, file);
      await writeFile(stamp, key);
      log(`${fileName(target)} ${((await stat(file)).size / 2 ** 20).toFixed(1)} MiB (Bun ${BUN_VERSION}) in ${seconds(t1)}`);
    }
    log(`${targets.length} executable(s) in ${outDir} (${seconds(t0)})`);
    return results;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const targets = process.argv.slice(2);
  const results = await buildBun(targets.length ? { targets } : {});
  for (const r of results) console.log(r.file);
}
