// The esbuild pieces both bundles use (scripts/build.mjs for the ESM file, scripts/sea/build.mjs for the
// executables), so the two never drift apart.
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
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
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`, loader: 'js' }));
  },
};

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
      /\/node_modules\/axios\/lib\/adapters\//.test(args.importer) ? { path: new URL('../stubs/axios-fetch-adapter.mjs', import.meta.url).pathname } : undefined);
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
