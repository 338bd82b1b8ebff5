// A tiny container image for the docker-driver tests, made here with no registry on the internet: Debian's static
// busybox with a link per applet, and the passwd/group files a devcontainer's tools look users up in.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
