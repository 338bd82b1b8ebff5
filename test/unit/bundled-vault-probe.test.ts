// The Vault probe as the shipped bundles run it: axios's Node adapter there is the lazy stand-in of
// scripts/lib/esbuild-plugins.mjs (lazyAxiosHttp), which once handed axios the whole module object instead of a
// function, so every Vault request of the released executable failed with "s.get is not a function" while the
// unbundled code (tsx, vitest) worked. Bundled here with the release's own options (ESM, and the same as CommonJS,
// the format the executables run) and run under node against a stand-in for Vault's seal-status.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bundled-vault-probe-'));
let vault: Server;
let vaultAddr: string;
let closedAddr: string;
const bundles = { esm: join(work, 'probe.mjs'), cjs: join(work, 'probe.cjs') } as const;

beforeAll(async () => {
  vault = createServer((req, res) => {
    if (req.url === '/v1/sys/seal-status')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"sealed":true,"version":"1.14.3"}');
    res.writeHead(404).end('{"errors":[]}');
  });
  await new Promise<void>((r) => vault.listen(0, '127.0.0.1', () => r()));
  vaultAddr = `http://127.0.0.1:${(vault.address() as { port: number }).port}`;
  // A port nothing listens on: bound, noted, closed.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  closedAddr = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise<void>((r) => closed.close(() => r()));

  // No top-level await: the same entry bundles as ESM and as CommonJS.
  const entry = join(work, 'entry.ts');
  writeFileSync(
    entry,
    `import { probeVault } from ${JSON.stringify(join(ROOT, 'src', 'adapters', 'vault.ts'))};
void Promise.all(process.argv.slice(2).map((a) => probeVault(a, { timeoutMs: 5000 }))).then((out) => process.stdout.write(JSON.stringify(out)));
`,
  );
  const { esmBundleOptions } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as {
    esmBundleOptions(outfile: string): Promise<BuildOptions>;
  };
  const esm = await esmBundleOptions(bundles.esm);
  await build({ ...esm, entryPoints: [entry] });
  await build({ ...esm, entryPoints: [entry], outfile: bundles.cjs, format: 'cjs', banner: {} });
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => vault?.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

function run(bundle: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: work, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe.each(['esm', 'cjs'] as const)('the Vault probe in the %s bundle', (kind) => {
  it('reaches Vault through the lazy http adapter (sealed is seen), and names a refused connection by its code', async () => {
    const r = await run(bundles[kind], [vaultAddr, closedAddr]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [sealed, closed] = JSON.parse(r.stdout) as { ok: boolean; problem?: string; message?: string }[];
    expect(sealed).toMatchObject({ ok: false, problem: 'sealed' });
    expect(closed).toEqual({ ok: false, problem: 'unreachable', message: `Vault at ${closedAddr} is not reachable from here (ECONNREFUSED)` });
  });
});
