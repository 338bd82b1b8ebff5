// What the native-mode build tests (native-prebuild, native-dockerless) share: the devcontainers they bring up (a
// Dockerfile FROM the test's base image with a RUN that writes a file and a USER; a local `./feature` folder, the
// only kind DevPod can use offline: it fetches others itself), the native provider's options against a test agent
// and registry, and the devcontainer jobs of one workspace.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import type { NomadJob } from '../../src/adapters/nomad/types.js';
import type { PrivateRegistry } from './registry.js';

/** The user the test Dockerfile adds and switches to (USER), with its home. */
export const DEV_USER = { name: 'dev', uid: 1000, home: '/home/dev' };

/**
 * A repository whose devcontainer is built from `.devcontainer/Dockerfile`: FROM `base`, a RUN that writes
 * `/built.txt` (`marker` in it) and adds DEV_USER, then USER. `devcontainer` adds to devcontainer.json (e.g.
 * features). Returns the repository's path.
 */
export function dockerfileRepo(repo: string, base: string, marker: string, devcontainer: Record<string, unknown> = {}): string {
  mkdirSync(join(repo, '.devcontainer'), { recursive: true });
  const { name, uid, home } = DEV_USER;
  writeFileSync(
    join(repo, '.devcontainer', 'Dockerfile'),
    [
      `FROM ${base}`,
      // Busybox has no adduser in Debian's static build: the user is written in as a Debian image's adduser would.
      `RUN echo ${marker} > /built.txt && echo "${name}:x:${uid}:${uid}::${home}:/bin/sh" >> /etc/passwd && echo "${name}:x:${uid}:" >> /etc/group && mkdir -p ${home} && chown ${uid}:${uid} ${home}`,
      `USER ${name}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(repo, '.devcontainer', 'devcontainer.json'),
    JSON.stringify({ name: marker, build: { dockerfile: 'Dockerfile' }, ...devcontainer }, null, 2),
  );
  writeFileSync(join(repo, 'README'), 'from the repository\n');
  return repo;
}

/** A repository whose devcontainer is `image` with the local feature of localFeature(), as `./feature`. */
export function featureRepo(repo: string, image: string, marker: string): string {
  mkdirSync(join(repo, '.devcontainer'), { recursive: true });
  localFeature(join(repo, '.devcontainer', 'feature'), marker);
  writeFileSync(join(repo, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name: marker, image, features: { './feature': {} } }, null, 2));
  writeFileSync(join(repo, 'README'), 'from the repository\n');
  return repo;
}

/** A local devcontainer feature (id `hello`) whose install.sh adds /usr/local/bin/hello, which prints `marker`. */
export function localFeature(dir: string, marker: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'devcontainer-feature.json'), JSON.stringify({ id: 'hello', version: '1.0.0', name: 'hello' }));
  const install = [
    '#!/bin/sh',
    'set -e',
    'mkdir -p /usr/local/bin',
    `printf '#!/bin/sh\\necho ${marker}\\n' > /usr/local/bin/hello`,
    'chmod 755 /usr/local/bin/hello',
    '',
  ];
  writeFileSync(join(dir, 'install.sh'), install.join('\n'));
  chmodSync(join(dir, 'install.sh'), 0o755);
}

/** The native provider's options for a test: the agent, the docker driver, the host volume, the registry's password. */
export function nativeOptions(agentAddress: string, registry: PrivateRegistry, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NOMAD_ADDR: agentAddress,
    NOMAD_DRIVER: 'docker',
    NOMAD_MEMORYMB: '512',
    NOMAD_VOLUME_TYPE: 'host',
    NOMAD_VOLUME_SOURCE: 'devpod-workspaces',
    NOMAD_VOLUME_MOUNT: '/workspaces',
    NOMAD_REGISTRY_AUTH: 'job',
    NOMAD_REGISTRY_USERNAME: registry.username,
    NOMAD_REGISTRY_PASSWORD: registry.password,
    NOMAD_REGISTRY_SERVER: registry.address,
    ...extra,
  };
}

/** The devcontainer jobs of workspace `ws` (DevPod names the devcontainer after its context and a hash; the meta has the workspace). */
export async function devcontainerJobs(nomad: NomadClient, ws: string): Promise<NomadJob[]> {
  const jobs = (await nomad.jobs.list('devpod-dc-')).data;
  const read = await Promise.all(jobs.map(async (j) => (await nomad.jobs.read(j.ID)).data));
  return read.filter((j): j is NomadJob => j?.Meta?.devpod_workspace_id === ws);
}

/** The one task of a devcontainer job. */
export const taskOf = (job: NomadJob) => job.TaskGroups![0]!.Tasks[0]!;
