// The reference programs bench/startup.ts times next to the Node SEA executable:
// - the Go floor (bench/go-floor): a small Go program doing exactly the reads of our `status` and the exec of our
//   `command`, built here with this machine's Go. It is what a Go provider costs at the least, and the goal's yardstick;
// - Bun: the executable's own CommonJS bundle compiled by `bun build --compile --bytecode`, without the flags
//   scripts/sea/bun.mjs adds for the release (startup-bun.ts measures that one). Bun comes from the npm registry, pinned by version and integrity.
import { execFile as execFileCb } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);
const ROOT = resolve(import.meta.dirname, '..');

export const BUN_VERSION = '1.4.4';
const BUN_PKG = '@oven/bun-linux-x64';
const BUN_INTEGRITY = 'sha512-CHbbkmHVM28T1GFq+6GL4Ao4ujwwYwj1CxFFwEFzLanPfNsId9AhbIP0Q4reWuWBkGimUkoQygrK7Rgjtj3vog==';

const cacheRoot = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'devpod-provider-nomad');

/** bench/go-floor built with the local Go toolchain into `dir` (the Go build cache makes a rebuild cheap). */
export async function goFloor(dir: string): Promise<string> {
  const out = join(dir, 'go-floor');
  await execFile('go', ['build', '-trimpath', '-o', out, '.'], {
    cwd: join(ROOT, 'bench', 'go-floor'),
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
  });
  return out;
}

/** Bun for linux-x64 from the npm registry, checked against its pinned integrity, cached per version. */
export async function bunBinary(): Promise<string> {
  const { npmBinary } = (await import(pathToFileURL(join(ROOT, 'scripts', 'sea', 'build.mjs')).href)) as { npmBinary: NpmBinary };
  return npmBinary({ pkg: BUN_PKG, version: BUN_VERSION, integrity: BUN_INTEGRITY, bin: 'bin/bun', dir: join(cacheRoot(), 'bun', BUN_VERSION) });
}

/** scripts/sea/build.mjs's fetch of one file of an npm package, integrity-checked (the SEA's Node binaries use it). */
type NpmBinary = (p: { pkg: string; version: string; integrity: string; bin: string; dir: string }) => Promise<string>;

/** `bundle` (the SEA's CommonJS main script) compiled by Bun into a standalone executable at `out`. */
export async function bunExecutable(bundle: string, out: string): Promise<string> {
  const bun = await bunBinary();
  await execFile(bun, ['build', '--compile', '--bytecode', '--format=cjs', bundle, '--outfile', out], { cwd: dirname(out) });
  return out;
}

/** A Bun executable that only prints one word: what any program shipped as a Bun executable costs to start. */
export async function bunHello(dir: string): Promise<string> {
  const bun = await bunBinary();
  const src = join(dir, 'hello.js');
  await writeFile(src, "process.stdout.write('Running\\n');\n");
  const out = join(dir, 'bun-hello');
  await execFile(bun, ['build', '--compile', src, '--outfile', out], { cwd: dir });
  return out;
}
