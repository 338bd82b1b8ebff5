// Debian packages a test needs, installed by the test itself when the machine lacks them (.ci/run installs the
// same ones up front, so CI prints the install once).
import { execFileSync } from 'node:child_process';

const installed = (pkg: string) => {
  try {
    execFileSync('dpkg', ['-s', pkg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export function ensureDebianPackages(packages: string[], opts: { noRecommends?: boolean } = {}): void {
  const missing = packages.filter((p) => !installed(p));
  if (!missing.length) return;
  const flags = opts.noRecommends ? '--no-install-recommends ' : '';
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${flags}${missing.join(' ')}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
