// Bundles the CLI into one self-contained ESM file with a shebang, so it starts fast and ships as the provider
// binary DevPod downloads. CommonJS dependencies (axios, ws) need `require`, which ESM lacks: the banner makes one.
import { build } from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

const outfile = 'dist/devpod-provider-nomad.js';
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // ws loads these native speed-ups only if present; we do not ship them.
  external: ['bufferutil', 'utf-8-validate'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  define: { __PROVIDER_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
