// A tiny container image for the docker-driver tests, made here with no registry on the internet: Debian's static
// busybox with a link per applet, and the passwd/group files a devcontainer's tools look users up in.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DockerCli } from '../harness/docker-engine.js';
import { ensureDebianPackages } from './debian.js';

const BUSYBOX = '/bin/busybox';

/** Writes a busybox root filesystem into `dir` and returns its path. */
export function busyboxRootfs(dir: string): string {
  ensureDebianPackages(['busybox-static']);
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'usr/local/bin']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  return rootfs;
}

/** Imports a root filesystem into the engine as `tag` (CMD /bin/sh). */
export function importImage(docker: DockerCli, rootfs: string, tag: string): void {
  const tar = execFileSync('tar', ['-c', '-C', rootfs, '.'], { maxBuffer: 256 << 20 });
  docker(['import', '--change', 'CMD ["/bin/sh"]', '-', tag], tar);
}

/** Copies a host file into the root filesystem at the same path. */
function copyIn(rootfs: string, path: string): void {
  mkdirSync(join(rootfs, dirname(path)), { recursive: true });
  copyFileSync(path, join(rootfs, path));
}

/** Copies host executables into the root filesystem at the same paths, with the shared libraries they load (per ldd). */
function copyBinaries(rootfs: string, binaries: string[]): void {
  const libs = execFileSync('ldd', binaries, { encoding: 'utf8' })
    .split('\n')
    .map((l) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(l)?.[1])
    .filter((p): p is string => Boolean(p));
  for (const file of new Set([...binaries, ...libs])) copyIn(rootfs, file);
}

/**
 * A "machine" for machine mode's `devpod up`, as a Debian-like image is to DevPod's agent: busybox, the host's
 * Docker CLI (with its libraries), /etc/init.d and Debian's `service`, so the agent installs its inactivity daemon
 * the way it does in a Debian or Ubuntu image without systemd (a SysV script, started by `service` with a clean
 * environment).
 */
export function machineRootfs(dir: string): string {
  ensureDebianPackages(['docker.io', 'init-system-helpers'], { noRecommends: true });
  const rootfs = busyboxRootfs(dir);
  copyBinaries(rootfs, ['/usr/bin/docker']);
  copyIn(rootfs, '/usr/sbin/service');
  for (const d of ['etc/init.d', 'var/run', 'var/log', 'var/lock']) mkdirSync(join(rootfs, d), { recursive: true });
  return rootfs;
}

/**
 * The busybox root filesystem plus what a workspace needs to verify TLS the way Debian and Ubuntu images do: the
 * host's curl and openssl with the shared libraries they load (per ldd), and Debian's update-ca-certificates, which
 * rebuilds /etc/ssl/certs/ca-certificates.crt (curl's CA bundle) from the public CAs and /usr/local/share/ca-certificates,
 * as in any Debian image. Busybox's wget could not tell trusted from untrusted: it verifies no certificate.
 */
export function tlsClientRootfs(dir: string): string {
  ensureDebianPackages(['curl', 'openssl', 'ca-certificates']);
  const rootfs = busyboxRootfs(dir);
  copyBinaries(rootfs, ['/usr/bin/curl', '/usr/bin/openssl']);
  const trust = ['/usr/sbin/update-ca-certificates', '/usr/lib/ssl/openssl.cnf', '/etc/ca-certificates.conf', '/etc/ssl/certs/ca-certificates.crt'];
  for (const file of trust) copyIn(rootfs, file);
  cpSync('/usr/share/ca-certificates', join(rootfs, 'usr/share/ca-certificates'), { recursive: true, dereference: true });
  mkdirSync(join(rootfs, 'usr/local/share/ca-certificates'), { recursive: true });
  symlinkSync('/etc/ssl/certs', join(rootfs, 'usr/lib/ssl/certs'));
  return rootfs;
}
