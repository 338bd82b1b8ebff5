// `npm run release`: writes release/provider.yaml and the artifacts it names, with sha256 checksums, so that
// `devpod provider add --name nomad ./release/provider.yaml` installs exactly what was built. Binary paths are the
// artifacts' absolute paths (devpod resolves relative ones against its own working directory, not the yaml's);
// RELEASE_BASE_URL, when set, makes them URLs for publishing instead.
//
// Which artifacts the provider files name (RELEASE_TARGETS, else --targets=…, else js):
//   js    the JS bundle dist/devpod-provider-nomad.js for linux/darwin × amd64/arm64 (needs Node on the user's
//         machine). The default of `node scripts/release.mjs`, which the integration tests run.
//   all   self-contained executables, no Node needed: devpod-provider-nomad-<os>-<arch>[.exe] for linux-amd64,
//         linux-arm64, darwin-amd64, darwin-arm64 and windows-amd64 (scripts/sea/build.mjs). `npm run release`
//         passes --targets=all, so `RELEASE_TARGETS=js npm run release` gives the JS-only release.
//   linux-amd64,darwin-arm64,…   only those executables.
// The JS bundle is copied to the release directory in every case.
//
// Which runtime the executables carry (RELEASE_RUNTIME):
//   bun   (default) compiled by Bun 1.4.4 (scripts/sea/bun.mjs): a cold `status` in 0.49× the SEA's time, and
//         `command`'s bytes as fast (64 MiB through cat: 0.90× the time); docs/releasing.md.
//   node  Node 22 single executable applications (scripts/sea/build.mjs), the default until 2026-12-08.
//         The targets in NODE_TARGETS below stay Node SEAs even with bun (none).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import YAML from 'yaml';
import { nativeProvider } from './lib/native-provider.mjs';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));
const artifact = 'devpod-provider-nomad.js';
// RELEASE_DIR: where to write (default release/); tests use their own so parallel runs do not collide.
const out = process.env.RELEASE_DIR ?? 'release';
const targetsArg = process.argv
  .slice(2)
  .filter((a) => a.startsWith('--targets='))
  .pop()
  ?.slice('--targets='.length);
const targets = (process.env.RELEASE_TARGETS || targetsArg || 'js').trim();
await mkdir(out, { recursive: true });
await copyFile(`dist/${artifact}`, `${out}/${artifact}`);
await chmod(`${out}/${artifact}`, 0o755);
const checksum = createHash('sha256')
  .update(await readFile(`${out}/${artifact}`))
  .digest('hex');

const doc = YAML.parse(await readFile('provider.yaml', 'utf8'));
doc.version = `v${pkg.version}`;
const base = process.env.RELEASE_BASE_URL?.replace(/\/+$/, '');
if (targets === 'js') {
  const path = base ? `${base}/${artifact}` : resolve(out, artifact);
  for (const entries of Object.values(doc.binaries)) {
    for (const entry of entries) Object.assign(entry, { path, checksum });
  }
  await writeFile(`${out}/provider.yaml`, YAML.stringify(doc, { lineWidth: 0 }));
  process.stderr.write(`release: ${out}/provider.yaml (${doc.version}) and ${out}/${artifact} sha256 ${checksum}\n`);
} else {
  const { buildSea, sha256File, TARGETS } = await import('./sea/build.mjs');
  const wanted =
    targets === 'all'
      ? Object.keys(TARGETS)
      : targets
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
  const runtime = (process.env.RELEASE_RUNTIME || 'bun').trim();
  if (runtime !== 'bun' && runtime !== 'node') throw new Error(`release: RELEASE_RUNTIME=${runtime}: expected bun or node`);
  // Targets whose executable stays a Node SEA even when Bun is the runtime (docs/releasing.md says why for each).
  const NODE_TARGETS = [];
  const onNode = runtime === 'node' ? wanted : wanted.filter((t) => NODE_TARGETS.includes(t));
  const onBun = wanted.filter((t) => !onNode.includes(t));
  const built = [];
  if (onBun.length) built.push(...(await (await import('./sea/bun.mjs')).buildBun({ targets: onBun })));
  if (onNode.length) built.push(...(await buildSea({ targets: onNode })));
  const entries = [];
  for (const { os, arch, file } of built) {
    const name = basename(file);
    // A copy-on-write clone where the file system has them, else a copy: the build cache stays untouched.
    await copyFile(file, `${out}/${name}`, constants.COPYFILE_FICLONE);
    await chmod(`${out}/${name}`, 0o755);
    entries.push({ os, arch, path: base ? `${base}/${name}` : resolve(out, name), checksum: await sha256File(`${out}/${name}`) });
    process.stderr.write(`release: ${out}/${name} sha256 ${entries.at(-1).checksum}\n`);
  }
  const order = Object.keys(TARGETS);
  entries.sort((a, b) => order.indexOf(`${a.os}-${a.arch}`) - order.indexOf(`${b.os}-${b.arch}`));
  for (const key of Object.keys(doc.binaries)) doc.binaries[key] = entries.map((e) => ({ ...e }));
  await writeFile(`${out}/provider.yaml`, YAML.stringify(doc, { lineWidth: 0 }));
  process.stderr.write(`release: ${out}/provider.yaml (${doc.version}) with ${entries.length} executables\n`);
}

const native = nativeProvider(doc);
await writeFile(`${out}/provider-native.yaml`, YAML.stringify(native, { lineWidth: 0 }));
process.stderr.write(`release: ${out}/provider-native.yaml (native mode, custom driver)\n`);
