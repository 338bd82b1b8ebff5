// scripts/lib/go-drop.mjs trims Vault's and OpenBao's sources for scripts/vault-binary and scripts/openbao-binary.
// What matters is that it removes whole units (a multi-line map entry, a case clause, a named declaration and what
// used it) and that it refuses, leaving the file as it was, whenever the source is not what the caller expected.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'lib', 'go-drop.mjs');

const SOURCE = `package x

import (
	"strings"

	credAws "example.com/aws"
	"example.com/kms/awskms/v2"
	"example.com/keep"
	"example.com/go-keep"
)

var backends = map[string]Factory{
	"aws":  {Factory: credAws.Factory},
	"keep": {Factory: keep.Factory},
	"pcf": {
		Factory:           credAws.Factory,
		DeprecationStatus: Deprecated,
	},
}

func pick(t string) (Wrapper, error) {
	switch t {
	case "awskms":
		return GetAWSKMSFunc()
	case "keep":
		return keep.New(strings.ToLower(t)), nil
	}
	return nil, nil
}

// The path "/var/run/awskms.io" is text, not a use.
func GetAWSKMSFunc() (Wrapper, error) {
	return awskms.NewWrapper(), nil
}
`;

function drop(source: string, ...args: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'go-drop-')), 'x.go');
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [SCRIPT, file, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, after: readFileSync(file, 'utf8') };
}

describe('go-drop', () => {
  it('removes the imports, the one-line and multi-line map entries, the case clause and the named declaration', () => {
    const r = drop(SOURCE, '--decls', 'GetAWSKMSFunc', 'example.com/aws', 'example.com/kms/awskms/v2');
    expect(r.stderr).toMatch(/2 imports, 0 names, 3 entries, 1 declarations dropped/);
    expect(r.code).toBe(0);
    expect(r.after).not.toMatch(/credAws|awskms\.NewWrapper|GetAWSKMSFunc|"pcf"|case "awskms"/);
    expect(r.after).toContain('// The path "/var/run/awskms.io" is text, not a use.');
    expect(r.after).toContain('"keep": {Factory: keep.Factory},');
    expect(r.after).toContain('case "keep":\n\t\treturn keep.New(strings.ToLower(t)), nil\n\t}');
    expect(r.after).toContain('"example.com/keep"');
  });

  it('drops the uses of a name defined in a file the caller deleted', () => {
    const r = drop(SOURCE.replace('"keep": {Factory: keep.Factory},', '"debug": {Factory: DebugFactory},'), '--names', 'DebugFactory');
    expect(r.code).toBe(0);
    expect(r.after).not.toContain('DebugFactory');
  });

  it.each([
    ['an import that is not there', ['example.com/gone'], /expected one import of "example.com\/gone", found 0/],
    ['a declaration it would remove unnamed', ['example.com/kms/awskms/v2'], /would remove top-level GetAWSKMSFunc, which --decls does not name/],
    ['a --decls name nothing made go', ['--decls', 'GetAWSKMSFunc,Other', 'example.com/kms/awskms/v2'], /--decls names Other/],
    ['an import whose package is named unlike its path', ['example.com/go-keep'], /nothing used go-keep\. \(is the import named differently\?\)/],
    ['a name nothing uses', ['--names', 'Nowhere'], /nothing used Nowhere/],
  ])('refuses %s and leaves the file as it was', (_what, args, message) => {
    const r = drop(SOURCE, ...args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.after).toBe(SOURCE);
  });
});
