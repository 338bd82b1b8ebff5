// The two literal source edits of scripts/lib/go-tool.sh that vault-binary and openbao-binary make (OpenBao's seal
// table is keyed by Go constants, which go-drop.mjs does not match): each changes exactly one occurrence, and refuses,
// naming the script and the text, when the tree has none or several, so a changed release stops the build loudly.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = resolve(import.meta.dirname, '..', '..', 'scripts', 'lib', 'go-tool.sh');
const SOURCE = [
  'var builtinWrappers = map[wrapping.WrapperType]builtinWrapper{',
  '\tkmip.Type:    {toWrapper(kmip.NewWrapper), false},',
  '\tawskms.Type:        {toWrapper(awskms.NewWrapper), true},',
  '\tocikms.Type:        {toWrapper(ocikms.NewWrapper), true},',
  '}',
  '',
].join('\n');

function edit(fn: string, ...args: string[]): { code: number | null; stderr: string; text: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'go-tool-')), 'wrapper.go');
  writeFileSync(file, SOURCE);
  const r = spawnSync('bash', ['-c', `source "$0"; GO_TOOL_LABEL=openbao-binary; ${fn} "$@"`, LIB, file, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, text: readFileSync(file, 'utf8') };
}

describe('go-tool.sh source edits', () => {
  it('drop_line removes the one line that contains the text', () => {
    const r = edit('drop_line', 'awskms.Type:');
    expect(r.code, r.stderr).toBe(0);
    expect(r.text).toBe(SOURCE.replace('\tawskms.Type:        {toWrapper(awskms.NewWrapper), true},\n', ''));
  });

  it('drop_line refuses text found on no line, or on several, and leaves the file as it was', () => {
    const none = edit('drop_line', 'gcpckms.Type:');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/^openbao-binary: .*wrapper\.go: expected one line with "gcpckms\.Type:", found 0/);
    expect(none.text).toBe(SOURCE);
    const two = edit('drop_line', 'kms.Type:');
    expect(two.stderr).toMatch(/expected one line with "kms\.Type:", found 2/);
    expect(two.text).toBe(SOURCE);
  });

  it('replace_once replaces the one occurrence and refuses otherwise', () => {
    const r = edit('replace_once', 'kmip.NewWrapper', 'kmip.New');
    expect(r.code, r.stderr).toBe(0);
    expect(r.text).toBe(SOURCE.replace('kmip.NewWrapper', 'kmip.New'));
    const two = edit('replace_once', 'NewWrapper', 'New');
    expect(two.code).not.toBe(0);
    expect(two.stderr).toMatch(/^openbao-binary: .*: expected one "NewWrapper", found 3/);
    expect(two.text).toBe(SOURCE);
  });
});
