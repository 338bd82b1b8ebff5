// The project builds, downloads and depends on open-source HashiCorp releases only: Nomad from 1.7.0 and Vault from
// 1.15.0 are under the Business Source License. A team may point NOMAD_BIN / VAULT_BIN at its own builds; no file in
// the repository may fetch them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const FIRST_BUSL = { nomad: [1, 7, 0], vault: [1, 15, 0] } as const;

const busl = (product: 'nomad' | 'vault', version: string): boolean => {
  const v = version.split('.').map(Number);
  const first = FIRST_BUSL[product];
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== first[i]) return (v[i] ?? 0) > first[i]!;
  return true;
};

/** Ways a file could fetch a release: a Go module version, a release download, a container image, a pinned default. */
const FETCHES = [
  /github\.com\/hashicorp\/(nomad|vault)@v(\d+\.\d+\.\d+)/g,
  /releases\.hashicorp\.com\/(nomad|vault)\/(\d+\.\d+\.\d+)/g,
  /hashicorp\/(nomad|vault):(\d+\.\d+\.\d+)/g,
  /\b(NOMAD|VAULT)_VERSION:-v(\d+\.\d+\.\d+)/g,
  // A go.mod or go.sum that requires the main module (test/nomad-api-check requires only github.com/hashicorp/nomad/api).
  /^\s*(?:require\s+)?github\.com\/hashicorp\/(nomad|vault) v(\d+\.\d+\.\d+)/gm,
];

function buslFetches(text: string): string[] {
  const found: string[] = [];
  for (const re of FETCHES) {
    for (const m of text.matchAll(re)) {
      const product = m[1]!.toLowerCase() as 'nomad' | 'vault';
      if (busl(product, m[2]!)) found.push(m[0]);
    }
  }
  return found;
}

describe('open-source HashiCorp releases only', () => {
  it('recognises a fetch of a BUSL release and lets an open-source one pass', () => {
    expect(buslFetches('go mod download github.com/hashicorp/nomad@v1.11.2')).toEqual(['github.com/hashicorp/nomad@v1.11.2']);
    expect(buslFetches('curl https://releases.hashicorp.com/vault/1.15.0/vault.zip')).toEqual(['releases.hashicorp.com/vault/1.15.0']);
    expect(buslFetches('NOMAD_VERSION="${NOMAD_VERSION:-v1.7.0}"')).toEqual(['NOMAD_VERSION:-v1.7.0']);
    expect(buslFetches('image = "hashicorp/vault:1.21.4"')).toEqual(['hashicorp/vault:1.21.4']);
    expect(buslFetches('require (\n\tgithub.com/hashicorp/nomad v1.11.2\n)')).toEqual(['\tgithub.com/hashicorp/nomad v1.11.2']);
    expect(buslFetches('github.com/hashicorp/nomad/api v0.0.0-20261016150620-df630b26e78a h1:x')).toEqual([]);
    expect(buslFetches('github.com/hashicorp/nomad@v1.6.1 github.com/hashicorp/vault@v1.14.3 NOMAD_VERSION:-v1.6.1')).toEqual([]);
  });

  it('no file in the repository fetches Nomad >= 1.7.0 or Vault >= 1.15.0', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.endsWith('package-lock.json') && f !== 'test/unit/open-source.test.ts');
    const offenders: string[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(join(root, f), 'utf8');
      } catch {
        continue; // deleted in the work tree
      }
      for (const hit of buslFetches(text)) offenders.push(`${f}: ${hit}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the build scripts default to open-source releases', () => {
    const nomad = /NOMAD_VERSION="\$\{NOMAD_VERSION:-v([\d.]+)\}"/.exec(readFileSync(join(root, 'scripts', 'nomad-binary'), 'utf8'))?.[1];
    const vault = /VAULT_VERSION="\$\{VAULT_VERSION:-v([\d.]+)\}"/.exec(readFileSync(join(root, 'scripts', 'vault-binary'), 'utf8'))?.[1];
    expect([nomad, vault]).toEqual(['1.6.1', '1.14.3']);
  });
});
