// The Vault servers the Vault tests run against, each named in the test names and the report: HashiCorp Vault
// (1.14.3, scripts/vault-binary, VAULT_BIN) and OpenBao, its MPL-2.0 fork (2.6.2, scripts/openbao-binary,
// OPENBAO_BIN), which teams leaving BUSL Vault move to. Both serve the same HTTP API (the token store and token
// roles Nomad 1.6's token flow uses, JWT auth, KV), so one harness (vault-server.ts) drives either.
// VAULT_SERVERS=vault or =openbao runs the tests against one of them only.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface VaultServerKind {
  /** `vault` or `openbao`: what VAULT_SERVERS names. */
  id: 'vault' | 'openbao';
  /** Path of the server binary; builds it on first use. */
  binary(): string;
}

const script = (name: string) => () =>
  execFileSync(join(repoRoot, 'scripts', name), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

export const VAULT: VaultServerKind = { id: 'vault', binary: script('vault-binary') };
export const OPENBAO: VaultServerKind = { id: 'openbao', binary: script('openbao-binary') };

/** The servers the Vault tests run against (VAULT_SERVERS, comma-separated ids; default both). */
export function vaultServers(): VaultServerKind[] {
  const wanted = (process.env.VAULT_SERVERS ?? 'vault,openbao').split(',').map((s) => s.trim());
  const known = [VAULT, OPENBAO];
  const unknown = wanted.filter((w) => !known.some((k) => k.id === w));
  if (unknown.length) throw new Error(`VAULT_SERVERS names ${unknown.join(', ')}; known: vault, openbao`);
  return known.filter((k) => wanted.includes(k.id));
}

const names = new Map<string, string>();

/** What the binary says it is: "Vault v1.14.3", "OpenBao v2.6.2" (the first line of `<bin> version`, no commit). */
export function serverName(kind: VaultServerKind): string {
  const bin = kind.binary();
  let name = names.get(bin);
  if (!name) {
    const first = execFileSync(bin, ['version'], { encoding: 'utf8' }).split('\n')[0] ?? kind.id;
    name = first.replace(/\s*\(.*$/, '').trim() || kind.id;
    names.set(bin, name);
  }
  return name;
}
