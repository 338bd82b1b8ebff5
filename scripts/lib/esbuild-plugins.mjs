// The esbuild pieces both bundles use (scripts/build.mjs for the ESM file, scripts/sea/build.mjs for the
// executables), so the two never drift apart.
import { build } from 'esbuild';
import { createRequire, isBuiltin } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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
  return standIn(`require(${id})`, Object.keys(requireBuiltin(`node:${name}`)));
}

/** A CommonJS module whose exports evaluate `load` (a require) on first use of any property; `keys` its own keys. */
function standIn(load, keys) {
  return [
    `let real;`,
    `const load = () => (real ??= ${load});`,
    `const keys = ${JSON.stringify(keys)};`,
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

/**
 * Modules that only some commands use, made lazy the way LAZY built-ins are: an import of one resolves to a
 * stand-in whose properties require the real module (bundled, initialised then) on first use. `status` and
 * `command` read their options through the same loader as every command, but parse no YAML unless a
 * .devpod/nomad.yaml exists, and build no zod schema unless a JSON option is set (reader.ts builds schemas on use);
 * without this, every start would initialise yaml and zod for nothing. zod comes through src/adapters/config/zod.ts,
 * which names the functions used: a require() keeps every export of what it loads, and zod/mini's include all of
 * zod's locales (half a megabyte). test/unit/startup-modules.test.ts checks what `status` initialises.
 */
const ZOD = join(root, 'src/adapters/config/zod.ts');
const lazyModuleOf = (args) =>
  args.path === 'yaml'
    ? 'yaml'
    : /(^|\/)zod\.js$/.test(args.path) && resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === ZOD
      ? ZOD
      : undefined;
/** A module's own export names, as the stand-in must list them: yaml's from the package, zod.ts's from its source. */
async function exportNames(module) {
  if (module !== ZOD) return Object.keys(requireBuiltin(module));
  const source = await readFile(module, 'utf8');
  const list = /^export \{([^}]*)\} from 'zod\/mini';$/m.exec(source);
  if (!list) throw new Error(`build: ${module} no longer re-exports one list from zod/mini; update lazyPackages`);
  return list[1]
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}
export const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    // The stand-in's own require() resolves as usual (yaml: its `require` condition, the CommonJS build).
    b.onResolve({ filter: /^yaml$|(^|\/)zod\.js$/ }, (args) => {
      if (args.namespace === 'lazy-package') return undefined;
      const module = lazyModuleOf(args);
      return module ? { path: module, namespace: 'lazy-package' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-package' }, async (args) => ({
      contents: standIn(`require(${JSON.stringify(args.path)})`, await exportNames(args.path)),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * axios's Node `http` adapter, loaded on its first request: axios imports all its adapters at start, and this one
 * pulls zlib, follow-redirects, proxy-from-env and the proxy agents in. The Nomad client sends through its own adapter
 * (src/adapters/nomad/http-adapter.ts), so only the Vault client (create and start, with Vault options) loads it.
 */
export const lazyAxiosHttp = {
  name: 'lazy-axios-http',
  setup(b) {
    b.onResolve({ filter: /^\.\/http\.js$/ }, (args) =>
      /\/node_modules\/axios\/lib\/adapters\/adapters\.js$/.test(args.importer)
        ? { path: join(dirname(args.importer), 'http.js'), namespace: 'lazy-axios-http' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-axios-http' }, (args) => ({
      contents: [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(args.path)}).default);`,
        // A function from the start: axios names it and asks whether an adapter is one when it picks it. The module
        // itself is that function: adapters.js is ESM in a "type": "module" package, so esbuild gives its default
        // import Node's interop (module.exports whole, whatever __esModule says).
        'module.exports = function httpAdapter(config) { return load()(config); };',
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
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
