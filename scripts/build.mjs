// Bundles the CLI into one self-contained ESM file with a shebang, so it starts fast and ships as the provider
// binary DevPod downloads. CommonJS dependencies (axios, ws) need `require`, which ESM lacks: the banner makes one.
import { build } from 'esbuild';
import { chmod, readFile, rename } from 'node:fs/promises';
import { inspectorClient, lazyBuiltins, stubs } from './lib/esbuild-plugins.mjs';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

const outfile = 'dist/devpod-provider-nomad.js';
// The inspector page's script, bundled for the browser and inlined into the CLI as a string.
const clientCode = await inspectorClient('src/inspector/client.ts');

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
  alias: { 'form-data': './scripts/stubs/form-data.mjs', debug: './scripts/stubs/debug.cjs' },
  plugins: [stubs, lazyBuiltins],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  define: { __PROVIDER_VERSION__: JSON.stringify(pkg.version), __INSPECTOR_CLIENT__: JSON.stringify(clientCode) },
  logLevel: 'warning',
});
await chmod(partial, 0o755);
await rename(partial, outfile);
