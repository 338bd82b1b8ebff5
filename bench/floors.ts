// The reference programs bench/startup.ts times next to the shipped executable:
// - the Go floor (bench/go-floor): a small Go program doing exactly the reads of our `status` and the exec of our
//   `command`, built here with this machine's Go. It is what a Go provider costs at the least, and the goal's yardstick;
// - Bun (not shipped, measured to weigh "another runtime"): the executable's own CommonJS bundle compiled by
//   `bun build --compile --bytecode`. Bun comes from the npm registry, pinned by version and integrity.
import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
  const dir = join(cacheRoot(), 'bun', BUN_VERSION);
  const bin = join(dir, 'bin', 'bun');
  if (existsSync(bin)) return bin;
  await mkdir(dirname(dir), { recursive: true });
  const tmp = await mkdtemp(`${dir}.tmp-`);
  try {
    await execFile('npm', ['pack', `${BUN_PKG}@${BUN_VERSION}`, '--pack-destination', tmp, '--ignore-scripts', '--silent'], { cwd: tmp });
    const [tgz] = (await readdir(tmp)).filter((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${BUN_PKG}@${BUN_VERSION} wrote no tarball`);
    const integrity = `sha512-${createHash('sha512')
      .update(await readFile(join(tmp, tgz)))
      .digest('base64')}`;
    if (integrity !== BUN_INTEGRITY) throw new Error(`${BUN_PKG}@${BUN_VERSION}: integrity ${integrity}, expected ${BUN_INTEGRITY}`);
    await execFile('tar', ['-xzf', join(tmp, tgz), '-C', tmp, 'package/bin/bun']);
    await chmod(join(tmp, 'package', 'bin', 'bun'), 0o755);
    await rename(join(tmp, 'package'), dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return bin;
}

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
