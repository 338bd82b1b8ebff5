// Bundles the CLI into one self-contained ESM file with a shebang, so it starts fast and ships as the provider
// binary DevPod downloads. CommonJS dependencies (axios, ws) need `require`, which ESM lacks: the banner makes one.
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
import { chmod, readFile, rename } from 'node:fs/promises';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

const outfile = 'dist/devpod-provider-nomad.js';
/**
 * An ESM bundle keeps `import http from 'http'` as top-level imports, which Node evaluates at start even when the
 * code using them is never run (http2, tls, crypto, zlib, child_process: ~40 ms). Routing each built-in through a
 * one-line CommonJS module makes esbuild load it lazily, with the code that needs it.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // The one-line module's own require() goes to Node (through the banner's require).
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`, loader: 'js' }));
  },
};

/** Swaps modules we never use, but that cost start-up time, for the stand-ins in scripts/stubs (see each). */
const stubs = {
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
      /\/node_modules\/axios\/lib\/adapters\//.test(args.importer) ? { path: new URL('./stubs/axios-fetch-adapter.mjs', import.meta.url).pathname } : undefined);
  },
};

// The inspector page's script, bundled for the browser and inlined into the CLI as a string.
const client = await build({
  entryPoints: ['src/inspector/client.ts'],
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
const clientCode = client.outputFiles[0].text;

// Written beside the bundle and renamed over it, so a provider process started during a build (a test run in
// another terminal) reads the old bundle or the new one, never half of one.
const partial = `${outfile}.${process.pid}.partial`;
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: partial,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: process.env.BUILD_NO_MINIFY !== '1',
  legalComments: 'none',
  // ws loads these native speed-ups only if present; we do not ship them.
  external: ['bufferutil', 'utf-8-validate'],
  alias: { 'form-data': './scripts/stubs/form-data.mjs' },
  plugins: [stubs, lazyBuiltins],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  define: { __PROVIDER_VERSION__: JSON.stringify(pkg.version), __INSPECTOR_CLIENT__: JSON.stringify(clientCode) },
  logLevel: 'warning',
});
await chmod(partial, 0o755);
await rename(partial, outfile);
