// The esbuild pieces both bundles use (scripts/build.mjs for the ESM file, scripts/sea/build.mjs for the
// executables), so the two never drift apart.
import { build } from 'esbuild';
import { createRequire, isBuiltin } from 'node:module';
import { readFile } from 'node:fs/promises';

/**
 * An ESM bundle keeps `import http from 'http'` as top-level imports, which Node evaluates at start even when the
 * code using them is never run (http2, tls, crypto, zlib, child_process: ~40 ms). Routing each built-in through a
 * one-line CommonJS module makes esbuild load it lazily, with the code that needs it.
 */
export const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // The one-line module's own require() goes to Node (through the banner's require).
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: builtinModule(args.path), loader: 'js' }));
  },
};

/**
 * Built-ins that only functions use: a module that merely imports them (axios imports http2, https and the proxy
 * agent's tls; ws imports crypto and https; our CLI imports child_process) would still load and compile them at
 * start, ~40 ms in a cold `status` that never calls them. For these the one-line module exports a stand-in that
 * requires the built-in on first use of any property. Its own keys are the built-in's, read here at build time, so
 * esbuild's ESM interop (which copies a module's own keys into getters) sees the same names; each getter reads
 * through to the real module, loaded then.
 */
const LAZY = new Set(['http2', 'https', 'tls', 'crypto', 'child_process', 'worker_threads', 'dgram', 'assert', 'tty']);
const requireBuiltin = createRequire(import.meta.url);

function builtinModule(name) {
  const id = JSON.stringify(`node:${name}`);
  if (!LAZY.has(name)) return `module.exports = require(${id});`;
  const keys = JSON.stringify(Object.keys(requireBuiltin(`node:${name}`)));
  return [
    `let real;`,
    `const load = () => (real ??= require(${id}));`,
    `const keys = ${keys};`,
    `module.exports = new Proxy({}, {`,
    // __esModule: the interop helpers of CommonJS packages ask at import time; no built-in has it.
    `  get: (_, k) => (k === '__esModule' ? undefined : load()[k]),`,
    `  set: (_, k, v) => { load()[k] = v; return true; },`,
    `  has: (_, k) => k in load(),`,
    `  ownKeys: () => keys,`,
    `  getOwnPropertyDescriptor: (_, k) => (keys.includes(k) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),`,
    `});`,
  ].join('\n');
}

/** Swaps modules we never use, but that cost start-up time, for the stand-ins in scripts/stubs (see each). */
export const stubs = {
  name: 'stubs',
  setup(b) {
    // axios reads globalThis.FormData at import time, and in Node that getter loads all of undici (~30 ms).
    // We never send FormData, so its utils module sees none.
    b.onLoad({ filter: /\/node_modules\/axios\/lib\/utils\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replace("typeof G.FormData !== 'undefined' ? G.FormData : undefined", 'undefined');
      if (patched === source) console.warn('build: axios/lib/utils.js changed; the FormData start-up patch no longer applies');
      return { contents: patched, loader: 'js' };
    });
    b.onResolve({ filter: /(^|\/)fetch\.js$/ }, (args) =>
      /\/node_modules\/axios\/lib\/adapters\//.test(args.importer)
        ? { path: new URL('../stubs/axios-fetch-adapter.mjs', import.meta.url).pathname }
        : undefined,
    );
  },
};

/** The inspector page's script, bundled for the browser; each CLI bundle inlines it as a string. */
export async function inspectorClient(entry) {
  const client = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
  return client.outputFiles[0].text;
}
