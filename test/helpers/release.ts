// The release as users get it: `scripts/release.mjs` run for some targets into a directory of its own, that
// directory served over loopback HTTP (RELEASE_BASE_URL points the provider files' binaries at it), so DevPod
// downloads and checksum-verifies what `npm run release` ships. Also a PATH like the test's own with no `node` on
// it, for DevPod to run the provider with.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import YAML from 'yaml';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Serialises builds of the shared executable caches (.scratch/bun/out, .scratch/sea/out) across test files running side by side. */
const BUILD_LOCK = join(ROOT, '.scratch', 'sea', '.release.lock');

export interface ProviderBinary {
  os: string;
  arch: string;
  path: string;
  checksum: string;
}

export interface ServedRelease {
  /** Where release.mjs wrote; every file in it is served at `${url}/<name>`. */
  dir: string;
  url: string;
  /** Request paths served so far, in order (e.g. '/devpod-provider-nomad-linux-amd64'). */
  requests: string[];
  /** Serve `bytes` instead of the file `name` from now on (a tampered download); undefined restores the file. */
  override(name: string, bytes: Buffer | undefined): void;
  close(): Promise<void>;
}

/**
 * Runs the release for `targets` (RELEASE_TARGETS: js, all, or a list such as linux-amd64) into a fresh directory
 * and serves it on 127.0.0.1. The executables come from the release runtime's content-keyed cache (scripts/sea/bun.mjs,
 * or build.mjs with RELEASE_RUNTIME=node), built under a file lock so that two test files do not build the same executable at once.
 */
export async function serveRelease(targets: string): Promise<ServedRelease> {
  const dir = mkdtempSync(join(tmpdir(), 'release-'));
  const requests: string[] = [];
  const overrides = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    requests.push(`/${name}`);
    const override = overrides.get(name);
    if (override) return void res.writeHead(200, { 'content-length': override.length }).end(override);
    const file = join(dir, name);
    if (name.includes('/') || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    release(targets, dir, url);
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    dir,
    url,
    requests,
    override: (name, bytes) => (bytes ? overrides.set(name, bytes) : overrides.delete(name)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}

/** `scripts/release.mjs` for `targets` into `dir`, binary paths under `baseUrl` (local paths when undefined). */
export function release(targets: string, dir: string, baseUrl?: string): void {
  mkdirSync(join(ROOT, '.scratch', 'sea'), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, RELEASE_TARGETS: targets, RELEASE_DIR: dir };
  if (baseUrl) env.RELEASE_BASE_URL = baseUrl;
  else delete env.RELEASE_BASE_URL;
  execFileSync('flock', [BUILD_LOCK, process.execPath, join(ROOT, 'scripts', 'release.mjs')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The binaries a provider file lists: top-level `binaries` (machine mode) or `agent.binaries` (native mode). */
export function listedBinaries(providerFile: string): ProviderBinary[] {
  const doc = YAML.parse(readFileSync(providerFile, 'utf8')) as {
    binaries?: Record<string, ProviderBinary[]>;
    agent?: { binaries?: Record<string, ProviderBinary[]> };
  };
  return Object.values(doc.binaries ?? doc.agent?.binaries ?? {}).flat();
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Whether `path` is an ELF program (what Linux runs natively), not a script for some interpreter. */
export function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

const NODE_NAMES = ['node', 'nodejs'];

/** The entries of `path` (a PATH value) that hold a `node` (or `nodejs`) file. */
export function dirsWithNode(path: string): string[] {
  return path.split(delimiter).filter((d) => d && NODE_NAMES.some((n) => existsSync(join(d, n))));
}

/**
 * A PATH of one fresh directory holding a symlink to every command the test's own PATH finds — the shell, docker,
 * git, coreutils… — except `node`: this machine as it would be without Node installed. npm's node_modules/.bin
 * directories are left out (their commands are Node scripts).
 */
export function pathWithoutNode(): string {
  const bin = mkdtempSync(join(tmpdir(), 'path-without-node-'));
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('node_modules') || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (seen.has(name) || NODE_NAMES.includes(name)) continue;
      seen.add(name);
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}
