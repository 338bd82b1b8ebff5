// What a cold `status` initialises (issue 32): the bundles are built exactly as scripts/build.mjs (ESM, dist/) and
// scripts/sea/build.mjs (CommonJS, what the executables run) build them, with one more esbuild plugin that appends a
// marker to every file of the packages watched, so a package's marker runs exactly when the bundle initialises it.
// Each bundle then answers `status` for a running workspace from a stand-in for Nomad's HTTP API, under node with a
// preload that reports the markers and Node's built-in modules loaded. The positive controls (a config file, a JSON
// option, an option commander parses) show the markers do fire when the work is needed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { WORKSPACE_META } from '../../src/adapters/nomad/workspace-meta.js';
import { alloc, job } from '../helpers/facts.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MACHINE = 'startup-modules';
const JOB_ID = jobIdFor(MACHINE);
const work = mkdtempSync(join(tmpdir(), 'startup-modules-'));

/** The packages (and axios's Node adapter) whose initialisation the markers show. */
const WATCHED: [name: string, file: RegExp][] = [
  ['yaml', /\/node_modules\/yaml\/.*\.[cm]?js$/],
  ['zod', /\/node_modules\/zod\/.*\.[cm]?js$/],
  ['commander', /\/node_modules\/commander\/.*\.[cm]?js$/],
  ['axios http adapter', /\/node_modules\/axios\/lib\/adapters\/http\.js$/],
  ['follow-redirects', /\/node_modules\/follow-redirects\/.*\.js$/],
  ['ws', /\/node_modules\/ws\/.*\.js$/],
  ['xstate', /\/node_modules\/xstate\/.*\.[cm]?js$/],
  ['axios', /\/node_modules\/axios\/lib\/axios\.js$/],
];

const markers: Plugin = {
  name: 'startup-markers',
  setup(b) {
    b.onLoad({ filter: /\/node_modules\/.*\.[cm]?js$/, namespace: 'file' }, (args) => {
      const watched = WATCHED.find(([, file]) => file.test(args.path));
      if (!watched) return undefined;
      // Appended, not prepended: the module's own directives ('use strict') stay first, and the marker runs once
      // the module body has.
      const source = readFileSync(args.path, 'utf8');
      return { contents: `${source}\n;globalThis.__startupModules?.add(${JSON.stringify(watched[0])});\n`, loader: 'js' };
    });
  },
};

const PRELOAD = join(work, 'preload.cjs');
writeFileSync(
  PRELOAD,
  `globalThis.__startupModules = new Set();
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  process.stderr.write('startup-modules ' + JSON.stringify({ packages: [...globalThis.__startupModules], builtins }) + '\\n');
});
`,
);

let nomad: Server;
let nomadAddr: string;
const bundles: Record<'esm' | 'cjs', string> = { esm: join(work, 'provider.mjs'), cjs: join(work, 'provider.cjs') };

beforeAll(async () => {
  const running = { ...job(), ID: JOB_ID, Meta: { [WORKSPACE_META.machineId]: MACHINE } };
  const routes: Record<string, unknown> = {
    [`/v1/job/${JOB_ID}`]: running,
    [`/v1/job/${JOB_ID}/allocations`]: [{ ...alloc('running', 'run'), JobID: JOB_ID }],
    [`/v1/job/${JOB_ID}/evaluations`]: [],
  };
  nomad = createServer((req, res) => {
    const body = routes[(req.url ?? '').split('?')[0]!];
    if (body === undefined) return void res.writeHead(404).end('job not found');
    res.writeHead(200, { 'content-type': 'application/json', 'x-nomad-index': '13', 'x-nomad-knownleader': 'true' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => nomad.listen(0, '127.0.0.1', () => r()));
  nomadAddr = `http://127.0.0.1:${(nomad.address() as { port: number }).port}`;

  const { esmBundleOptions } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as {
    esmBundleOptions(outfile: string, o: { plugins: Plugin[] }): Promise<BuildOptions>;
  };
  await build(await esmBundleOptions(bundles.esm, { plugins: [markers] }));
  const sea = (await import(pathToFileURL(join(ROOT, 'scripts', 'sea', 'build.mjs')).href)) as {
    bundle(outfile: string, o: { plugins: Plugin[] }): Promise<string>;
  };
  await sea.bundle(bundles.cjs, { plugins: [markers] });
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => nomad?.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

interface Loaded {
  stdout: string;
  stderr: string;
  packages: string[];
  builtins: string[];
}

function run(bundle: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Loaded> {
  const env = { PATH: process.env.PATH ?? '', HOME: work, NOMAD_ADDR: nomadAddr, MACHINE_ID: MACHINE, ...extraEnv };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--require', PRELOAD, bundle, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', () => {
      const line = stderr.split('\n').find((l) => l.startsWith('startup-modules '));
      if (!line) return fail(new Error(`no report from ${args.join(' ')}: ${stderr}`));
      const { packages, builtins } = JSON.parse(line.slice('startup-modules '.length)) as { packages: string[]; builtins: string[] };
      done({ stdout, stderr: stderr.replace(`${line}\n`, ''), packages: packages.sort(), builtins });
    });
  });
}

describe.each(['esm', 'cjs'] as const)('a cold `status` of the %s bundle', (kind) => {
  it('answers from Nomad, initialising only axios and xstate of the watched packages', async () => {
    const r = await run(bundles[kind], ['status']);
    expect({ stdout: r.stdout, stderr: r.stderr }).toEqual({ stdout: 'Running\n', stderr: '' });
    // No yaml (no config file), no zod (no JSON option), no commander (main.ts dispatches `status`), not axios's
    // Node adapter (the Nomad client has its own), nor the exec tunnel's ws.
    expect(r.packages).toEqual(['axios', 'xstate']);
  });

  it("loads none of Node's zlib, worker_threads, http2, child_process or assert", async () => {
    const r = await run(bundles[kind], ['status']);
    expect(r.builtins.filter((b) => ['zlib', 'worker_threads', 'http2', 'child_process', 'assert'].includes(b))).toEqual([]);
  });

  it('initialises yaml, zod and commander when the call needs them (the markers fire)', async () => {
    const file = join(work, 'nomad.yaml');
    writeFileSync(file, 'NOMAD_CPU: 500\n');
    const r = await run(bundles[kind], ['status', '--output', 'plain'], {
      NOMAD_CONFIG_FILE: file,
      NOMAD_CONSTRAINTS: '[{"attribute": "${attr.kernel.name}", "value": "linux"}]',
    });
    expect(r.stdout).toBe('Running\n');
    expect(r.packages).toEqual(['axios', 'commander', 'xstate', 'yaml', 'zod']);
  });

  it('prints --version without commander, axios or xstate', async () => {
    const r = await run(bundles[kind], ['--version']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.packages).toEqual([]);
  });
});
