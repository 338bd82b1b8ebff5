// Bundles the CLI into one self-contained ESM file with a shebang, so it starts fast and ships as the provider
// binary DevPod downloads. CommonJS dependencies (axios, ws) need `require`, which ESM lacks: the banner makes one.
import { build } from 'esbuild';
import { chmod, readFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectorClient, lazyAxiosHttp, lazyBuiltins, lazyPackages, stubs } from './lib/esbuild-plugins.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const outfile = 'dist/devpod-provider-nomad.js';

/** esbuild's options for the ESM bundle at `outfile`; `plugins` run before ours (test/unit/startup-modules.test.ts). */
export async function esmBundleOptions(outfile, { plugins = [] } = {}) {
  const pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));
  // The inspector page's script, bundled for the browser and inlined into the CLI as a string.
  const clientCode = await inspectorClient(resolve(root, 'src/inspector/client.ts'));
  return {
    absWorkingDir: root,
    entryPoints: ['src/cli/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: process.env.BUILD_NO_MINIFY !== '1',
    legalComments: 'none',
    // ws loads these native speed-ups only if present; we do not ship them.
    external: ['bufferutil', 'utf-8-validate'],
    alias: { 'form-data': './scripts/stubs/form-data.mjs', debug: './scripts/stubs/debug.cjs' },
    plugins: [...plugins, stubs, lazyAxiosHttp, lazyPackages, lazyBuiltins],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    define: { __PROVIDER_VERSION__: JSON.stringify(pkg.version), __INSPECTOR_CLIENT__: JSON.stringify(clientCode) },
    logLevel: 'warning',
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Written beside the bundle and renamed over it, so a provider process started during a build (a test run in
  // another terminal) reads the old bundle or the new one, never half of one.
  const partial = `${outfile}.${process.pid}.partial`;
  await build(await esmBundleOptions(partial));
  await chmod(partial, 0o755);
  await rename(partial, outfile);
}
