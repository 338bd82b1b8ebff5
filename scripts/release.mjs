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
// RELEASE_DIR: where to write (default release/); tests use their own so parallel runs do not collide.
const out = process.env.RELEASE_DIR ?? 'release';
await mkdir(out, { recursive: true });
await copyFile(`dist/${artifact}`, `${out}/${artifact}`);
await chmod(`${out}/${artifact}`, 0o755);
const checksum = createHash('sha256').update(await readFile(`${out}/${artifact}`)).digest('hex');

const doc = YAML.parse(await readFile('provider.yaml', 'utf8'));
doc.version = `v${pkg.version}`;
const base = process.env.RELEASE_BASE_URL?.replace(/\/+$/, '');
const path = base ? `${base}/${artifact}` : resolve(out, artifact);
for (const entries of Object.values(doc.binaries)) {
  for (const entry of entries) Object.assign(entry, { path, checksum });
}
await writeFile(`${out}/provider.yaml`, YAML.stringify(doc, { lineWidth: 0 }));
process.stderr.write(`release: ${out}/provider.yaml (${doc.version}) and ${out}/${artifact} sha256 ${checksum}\n`);

// Native mode: the same options and binary, on DevPod's custom driver. DevPod's agent runs locally
// (agent.local) and calls our `native` commands; the devcontainer is the Nomad task. No machine commands.
const native = structuredClone(doc);
native.name = 'nomad-native';
native.description = 'DevPod on HashiCorp Nomad, native: the devcontainer itself runs as the Nomad task (custom driver).';
delete native.options.AGENT_PATH;
delete native.options.AGENT_DATA_PATH;
native.options.INACTIVITY_TIMEOUT = { description: 'Stop the workspace after this long without activity (e.g. 30m; empty = never). The job then ends stopped, not restarted.' };
native.optionGroups = native.optionGroups
  .map((g) => ({ ...g, options: g.options.filter((o) => o in native.options) }))
  .concat([{ name: 'Native mode', defaultVisible: true, options: ['INACTIVITY_TIMEOUT'] }]);
const run = (sub) => `\${NOMAD_PROVIDER} native ${sub}`;
native.agent = {
  local: 'true',
  driver: 'custom',
  containerInactivityTimeout: '${INACTIVITY_TIMEOUT}',
  injectGitCredentials: '${INJECT_GIT_CREDENTIALS}',
  injectDockerCredentials: '${INJECT_DOCKER_CREDENTIALS}',
  binaries: native.binaries,
  custom: {
    findDevContainer: run('find'),
    commandDevContainer: run('command'),
    targetArchitecture: run('target-architecture'),
    runDevContainer: run('run'),
    startDevContainer: run('start'),
    stopDevContainer: run('stop'),
    deleteDevContainer: run('delete'),
  },
};
delete native.binaries;
native.exec = { command: '"${DEVPOD}" helper sh -c "${COMMAND}"' };
await writeFile(`${out}/provider-native.yaml`, YAML.stringify(native, { lineWidth: 0 }));
process.stderr.write(`release: ${out}/provider-native.yaml (native mode, custom driver)\n`);
