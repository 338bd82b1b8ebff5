// What the provider does with the servers' Nomad version: which Vault flow the job is written for, which options it
// refuses before anything is sent (one sentence each, naming the option, the version it needs and the servers'),
// and what it tells the user about VAULT_POLICIES_JSON and VAULT_ROLE.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { vaultFlow } from '../../src/adapters/jobspec/vault.js';
import { buildWorkspaceJob } from '../../src/adapters/jobspec/workspace-job.js';
import { atLeast, parseNomadVersion, type NomadVersion } from '../../src/adapters/nomad/version.js';
import { tooNew } from '../../src/workspace/cluster.js';
import { vaultNotes } from '../../src/workspace/vault.js';

const cwd = mkdtempSync(join(tmpdir(), 'cluster-'));
const SECRETS = { VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{"password":"DB_PASSWORD"}}]' };
const cfg = (env: Record<string, string>) => loadConfig(env, { cwd });
const at = (version: NomadVersion) => ({ version });

describe('Nomad versions', () => {
  it.each([
    ['1.6.1', [1, 6, 1]],
    ['v1.11.2', [1, 11, 2]],
    ['1.10.0-dev', [1, 10, 0]],
    ['1.9.7+ent', [1, 9, 7]],
    ['', undefined],
    ['dev', undefined],
  ])('reads %j', (text, version) => {
    expect(parseNomadVersion(text)).toEqual(version);
  });
  it.each([
    [[1, 6, 1], [1, 7, 0], false],
    [[1, 7, 0], [1, 7, 0], true],
    [[1, 10, 0], [1, 9, 9], true],
    [[2, 0, 0], [1, 11, 0], true],
    [[1, 6, 3], [1, 6, 10], false],
  ] as [NomadVersion, NomadVersion, boolean][])('%j >= %j is %s', (a, b, expected) => {
    expect(atLeast(a, b)).toBe(expected);
  });
});

describe('the Vault flow a job is written for', () => {
  it.each([
    ['unknown', {}, { policies: false, role: true }],
    ['1.6.1 (token flow only)', at([1, 6, 1]), { policies: true, role: false }],
    ['1.7.0 (both: the servers choose)', at([1, 7, 0]), { policies: true, role: true }],
    ['1.9.7 (both)', at([1, 9, 7]), { policies: true, role: true }],
    ['1.10.0 (workload identity only)', at([1, 10, 0]), { policies: false, role: true }],
    ['1.11.2', at([1, 11, 2]), { policies: false, role: true }],
  ])('on %s', (_what, cluster, flow) => {
    expect(vaultFlow(cluster)).toEqual(flow);
  });

  it('puts the policies, not the role, into the vault block for Nomad 1.6, both for 1.9, the role alone for 1.10', () => {
    const config = cfg({ ...SECRETS, VAULT_POLICIES_JSON: '["devpod-secrets"]', VAULT_ROLE: 'workspaces' });
    const vault = (cluster: { version?: NomadVersion }) =>
      buildWorkspaceJob({ machineId: 'm', providerVersion: 't' }, config, cluster).TaskGroups![0]!.Tasks[0]!.Vault as Record<string, unknown>;
    expect([vault(at([1, 6, 1])).Policies, vault(at([1, 6, 1])).Role]).toEqual([['devpod-secrets'], undefined]);
    expect([vault(at([1, 9, 0])).Policies, vault(at([1, 9, 0])).Role]).toEqual([['devpod-secrets'], 'workspaces']);
    expect([vault(at([1, 10, 0])).Policies, vault(at([1, 10, 0])).Role]).toEqual([undefined, 'workspaces']);
  });
});

describe('options the servers are too old for', () => {
  it.each([
    [
      'a dynamic host volume on 1.6.1',
      { NOMAD_VOLUME_TYPE: 'dynamic' },
      at([1, 6, 1]),
      ['NOMAD_VOLUME_TYPE=dynamic needs Nomad 1.10 or newer; the servers run 1.6.1'],
    ],
    [
      'a dynamic host volume on 1.9.7',
      { NOMAD_VOLUME_TYPE: 'dynamic' },
      at([1, 9, 7]),
      ['NOMAD_VOLUME_TYPE=dynamic needs Nomad 1.10 or newer; the servers run 1.9.7'],
    ],
    [
      'Vault secrets without policies on 1.6.1',
      SECRETS,
      at([1, 6, 1]),
      [
        'VAULT_SECRETS_JSON needs VAULT_POLICIES_JSON on Nomad before 1.7 (the servers run 1.6.1, which derive the task\'s Vault token from the servers\' token role with the policies the job names): set VAULT_POLICIES_JSON to the Vault policies that may read the secrets, e.g. ["devpod-secrets"]',
      ],
    ],
  ])('refuses %s', (_what, env, cluster, problems) => {
    expect(tooNew(cfg(env), cluster)).toEqual(problems);
  });

  it.each([
    ['a dynamic host volume on 1.10.0', { NOMAD_VOLUME_TYPE: 'dynamic' }, at([1, 10, 0])],
    ['a dynamic host volume when the version is unknown (Nomad answers for itself)', { NOMAD_VOLUME_TYPE: 'dynamic' }, {}],
    ['a CSI volume on 1.6.1', { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'hostpath' }, at([1, 6, 1])],
    ['Vault secrets with policies on 1.6.1', { ...SECRETS, VAULT_POLICIES_JSON: '["p"]' }, at([1, 6, 1])],
    ['Vault secrets without policies on 1.7.0 (workload identity may serve)', SECRETS, at([1, 7, 0])],
  ])('accepts %s', (_what, env, cluster) => {
    expect(tooNew(cfg(env), cluster)).toEqual([]);
  });
});

describe('what is said about VAULT_POLICIES_JSON and VAULT_ROLE', () => {
  const both = cfg({ ...SECRETS, VAULT_POLICIES_JSON: '["devpod-secrets"]' });
  it("on 1.10+: the policies are not sent, the role's token_policies decide", () => {
    expect(vaultNotes(both, at([1, 11, 2]))).toEqual([
      'VAULT_POLICIES_JSON ["devpod-secrets"] is not sent to Nomad: since Nomad 1.10 a job\'s vault block carries no policies, and the workspace\'s Vault token gets the token_policies of the Vault role "nomad-workloads" (VAULT_ROLE). Make sure that role grants them.',
    ]);
  });
  it('on 1.6: the token flow, with the policies; the role is not used', () => {
    expect(vaultNotes(both, at([1, 6, 1]))).toEqual([
      'Vault token flow (the servers run Nomad 1.6.1): the job asks for the policies ["devpod-secrets"] (VAULT_POLICIES_JSON); the servers derive the workspace\'s Vault token from their own token role, so VAULT_ROLE is not used. Make sure that token role allows these policies.',
    ]);
  });
  it("on 1.7 to 1.9: both are sent and the servers' configuration chooses", () => {
    expect(vaultNotes(both, at([1, 8, 4]))).toEqual([
      'Nomad 1.7 to 1.9 (the servers run Nomad 1.8.4): the job names both the Vault role "nomad-workloads" (VAULT_ROLE, for workload identity) and the policies ["devpod-secrets"] (VAULT_POLICIES_JSON, for the token flow); Nomad uses whichever flow its servers are configured for.',
    ]);
  });
  it('says nothing without Vault, or on 1.10+ without policies', () => {
    expect(vaultNotes(cfg({}), at([1, 6, 1]))).toEqual([]);
    expect(vaultNotes(cfg(SECRETS), at([1, 11, 0]))).toEqual([]);
  });
});
