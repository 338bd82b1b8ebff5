// DevPod's dockerless builder image, made here with no registry on the internet, as upstream's Dockerfile
// (loft-sh/dockerless v0.2.0) makes ghcr.io/loft-sh/dockerless:0.2.0: FROM scratch, the dockerless binary (built from
// its release source by scripts/dockerless-binary) at /.dockerless/dockerless, a static busybox (Debian's
// busybox-static, where upstream has busybox:musl) with a link per applet at /.dockerless/bin, CA certificates at
// /.dockerless/ssl/certs (the host's bundle and the test registry's CA), upstream's nsswitch.conf (read from the
// archive), an /etc/passwd with root whose shell is busybox's, /.dockerless world-writable, and upstream's ENV,
// WORKDIR, ENTRYPOINT and CMD. Also the small base image a test devcontainer's Dockerfile starts FROM.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DockerCli } from '../harness/docker-engine.js';
import { ensureDebianPackages } from './debian.js';
import { busyboxRootfs, importImage } from './images.js';
import type { PrivateRegistry } from './registry.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const VERSION = 'v0.2.0';
const SOURCE = process.env.DOCKERLESS_SOURCE ?? join(dirname(ROOT), 'shared', 'vendor-src', `dockerless-${VERSION}.tar.gz`);
const BUSYBOX = '/bin/busybox';

/** Upstream's image settings (its Dockerfile's ENV, WORKDIR, ENTRYPOINT and CMD), as `docker import --change`s. */
export const DOCKERLESS_IMAGE_CONFIG = [
  'ENV HOME=/root',
  'ENV USER=root',
  'ENV KANIKO_DIR=/.dockerless',
  'ENV PATH=/usr/local/bin:/.dockerless:/.dockerless/bin',
  'ENV SSL_CERT_DIR=/.dockerless/ssl/certs',
  'WORKDIR /',
  'ENTRYPOINT ["/.dockerless/bin/sh", "-c"]',
  'CMD ["sleep infinity"]',
];

/** Path of the dockerless binary (DOCKERLESS_BIN wins); builds it on first use (about 30 s). */
export function dockerlessBinary(): string {
  return execFileSync(join(ROOT, 'scripts', 'dockerless-binary'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The dockerless image's root filesystem in `dir`/dockerless-rootfs, trusting `caPath` beside the host's CAs. */
export function dockerlessRootfs(dir: string, caPath: string): string {
  ensureDebianPackages(['busybox-static']);
  const rootfs = join(dir, 'dockerless-rootfs');
  const home = join(rootfs, '.dockerless');
  for (const d of ['bin', 'ssl/certs']) mkdirSync(join(home, d), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  // World-writable, as upstream's `chmod 777 /.dockerless` (kaniko's directory, for a run as another user).
  chmodSync(home, 0o777);
  copyFileSync(dockerlessBinary(), join(home, 'dockerless'));
  chmodSync(join(home, 'dockerless'), 0o755);
  copyFileSync(BUSYBOX, join(home, 'bin', 'busybox'));
  for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') symlinkSync('busybox', join(home, 'bin', applet));
  }
  const system = '/etc/ssl/certs/ca-certificates.crt';
  writeFileSync(join(home, 'ssl', 'certs', 'ca-certificates.crt'), existsSync(system) ? readFileSync(system) : '');
  copyFileSync(caPath, join(home, 'ssl', 'certs', 'test-registry-ca.crt'));
  writeFileSync(
    join(rootfs, 'etc', 'nsswitch.conf'),
    execFileSync('tar', ['-xzf', SOURCE, '-O', `dockerless-${VERSION.slice(1)}/files/nsswitch.conf`]),
  );
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/.dockerless/bin/sh\n');
  chmodSync(join(rootfs, 'etc', 'passwd'), 0o666);
  return rootfs;
}

/** The dockerless image, made and pushed to `registry` as dockerless:0.2.0; returns its reference there. */
export function pushDockerlessImage(docker: DockerCli, registry: PrivateRegistry, dir: string): string {
  const rootfs = dockerlessRootfs(dir, registry.caPath);
  const tar = execFileSync('tar', ['-c', '-C', rootfs, '.'], { maxBuffer: 256 << 20 });
  // A tag of its own: test files running at once share the Docker engine, and one's rmi must not untag another's.
  const local = `devpod-test/dockerless:0.2.0-${randomBytes(4).toString('hex')}`;
  docker(['import', ...DOCKERLESS_IMAGE_CONFIG.flatMap((c) => ['--change', c]), '-', local], tar);
  const ref = registry.push(docker, local, 'dockerless:0.2.0');
  docker(['rmi', local]);
  return ref;
}

/**
 * A small base image (busybox, with its /etc/passwd) pushed to `registry` as `name`; returns its reference there.
 * `dir` gets a rootfs/ of its own; `prepare` may add to it before it is imported.
 */
export function pushBaseImage(
  docker: DockerCli,
  registry: PrivateRegistry,
  dir: string,
  name = 'base:latest',
  prepare?: (rootfs: string) => void,
): string {
  mkdirSync(dir, { recursive: true });
  const local = `devpod-test/${name.replace(/:.*$/, '')}:${randomBytes(4).toString('hex')}`;
  const rootfs = busyboxRootfs(dir);
  // Debian's static busybox lacks printenv and getent, which DevPod's feature install wrapper runs (every distro
  // image has them): small stand-ins, as a distro's would answer.
  writeFileSync(join(rootfs, 'bin', 'printenv'), '#!/bin/sh\nexec env\n', { mode: 0o755 });
  writeFileSync(join(rootfs, 'bin', 'getent'), '#!/bin/sh\ngrep "^$2:" "/etc/$1"\n', { mode: 0o755 });
  prepare?.(rootfs);
  importImage(docker, rootfs, local);
  const ref = registry.push(docker, local, name);
  docker(['rmi', local]);
  return ref;
}

/**
 * The Docker bridge's gateway address: where a task on the bridge network reaches this machine. Docker 20.10 leaves
 * the default bridge's Gateway out of `network inspect`; the bridge interface's own IPv4 address is it.
 */
export function bridgeGateway(docker: DockerCli): string {
  const inspected = JSON.parse(docker(['network', 'inspect', 'bridge']))[0] as {
    IPAM?: { Config?: { Gateway?: string }[] };
    Options?: Record<string, string>;
  };
  const named = inspected.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (named) return named;
  const bridge = inspected.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  // `ip`, not os.networkInterfaces(): libuv leaves out an interface without carrier, as docker0 is with no container.
  const shown = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', bridge], { encoding: 'utf8' })) as {
    addr_info?: { local?: string }[];
  }[];
  const address = shown[0]?.addr_info?.[0]?.local;
  if (!address) throw new Error(`the Docker bridge network (interface ${bridge}) has no IPv4 address on this machine`);
  return address;
}
