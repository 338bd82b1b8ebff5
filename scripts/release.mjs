// `npm run release`: writes release/provider.yaml and the artifact it names, with sha256 checksums, so that
// `devpod provider add --name nomad ./release/provider.yaml` installs exactly what was built. Binary paths are the
// artifact's absolute path (devpod resolves relative ones against its own working directory, not the yaml's);
// RELEASE_BASE_URL, when set, makes them URLs for publishing instead.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import YAML from 'yaml';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));
const artifact = 'devpod-provider-nomad.js';
await mkdir('release', { recursive: true });
await copyFile(`dist/${artifact}`, `release/${artifact}`);
await chmod(`release/${artifact}`, 0o755);
const checksum = createHash('sha256').update(await readFile(`release/${artifact}`)).digest('hex');

const doc = YAML.parse(await readFile('provider.yaml', 'utf8'));
doc.version = `v${pkg.version}`;
const base = process.env.RELEASE_BASE_URL?.replace(/\/+$/, '');
const path = base ? `${base}/${artifact}` : resolve('release', artifact);
for (const entries of Object.values(doc.binaries)) {
  for (const entry of entries) Object.assign(entry, { path, checksum });
}
await writeFile('release/provider.yaml', YAML.stringify(doc, { lineWidth: 0 }));
process.stderr.write(`release: release/provider.yaml (${doc.version}) and release/${artifact} sha256 ${checksum}\n`);
