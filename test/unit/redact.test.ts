// What plan prints of a job: every place a job (ours, or a team's NOMAD_JOB_TEMPLATE merged around it) can carry a
// secret, one case each; the secret is gone and the rest of the job is shown as it is.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactJob } from '../../src/adapters/jobspec/render.js';
import type { NomadJob } from '../../src/adapters/nomad/types.js';

const S = 'hunter2-very-secret-9f3a';

/** A job whose one task carries `task` (merged in) and whose job level carries `job`. */
const jobWith = (task: Record<string, unknown>, job: Record<string, unknown> = {}): NomadJob =>
  ({
    ID: 'devpod-x',
    Name: 'devpod-x',
    ...job,
    TaskGroups: [{ Name: 'workspace', Tasks: [{ Name: 'workspace', Driver: 'docker', Config: { image: 'ubuntu:22.04' }, ...task }] }],
  }) as NomadJob;

/** [where, the job, the text that must show instead of the secret] */
const CASES: [string, NomadJob, string][] = [
  [
    'docker auth password',
    jobWith({ Config: { image: 'r.example/x', auth: [{ username: 'robot', password: S, server_address: 'r.example' }] } }),
    `"password":"${REDACTED}"`,
  ],
  [
    'podman auth password (an object)',
    jobWith({ Driver: 'podman', Config: { image: 'x', auth: { username: 'robot', password: S } } }),
    `"password":"${REDACTED}"`,
  ],
  ["an older job's VaultToken", jobWith({}, { VaultToken: S }), `"VaultToken":"${REDACTED}"`],
  ["an older job's ConsulToken", jobWith({}, { ConsulToken: S }), `"ConsulToken":"${REDACTED}"`],
  ['env: a password', jobWith({ Env: { DB_PASSWORD: S, LANG: 'C.UTF-8' } }), `"DB_PASSWORD":"${REDACTED}"`],
  ['env: a token', jobWith({ Env: { GITHUB_TOKEN: S } }), `"GITHUB_TOKEN":"${REDACTED}"`],
  ['env: a secret access key', jobWith({ Env: { AWS_SECRET_ACCESS_KEY: S } }), `"AWS_SECRET_ACCESS_KEY":"${REDACTED}"`],
  ['env: an API key', jobWith({ Env: { OPENAI_API_KEY: S } }), `"OPENAI_API_KEY":"${REDACTED}"`],
  ['env: a private key', jobWith({ Env: { SSH_PRIVATE_KEY: S } }), `"SSH_PRIVATE_KEY":"${REDACTED}"`],
  ['env: credentials', jobWith({ Env: { GOOGLE_CREDENTIALS: S } }), `"GOOGLE_CREDENTIALS":"${REDACTED}"`],
  ['meta: a token', jobWith({ Meta: { api_token: S } }), `"api_token":"${REDACTED}"`],
  [
    'artifact: S3 secret in options',
    jobWith({
      Artifacts: [{ GetterSource: 's3::https://s3.amazonaws.com/b/k', GetterOptions: { aws_access_key_id: 'AKIA', aws_access_key_secret: S } }],
    }),
    `"aws_access_key_secret":"${REDACTED}"`,
  ],
  [
    'artifact: a session token in options',
    jobWith({ Artifacts: [{ GetterSource: 's3::https://s3.amazonaws.com/b/k', GetterOptions: { aws_access_token: S } }] }),
    `"aws_access_token":"${REDACTED}"`,
  ],
  [
    'artifact: an SSH key in options',
    jobWith({ Artifacts: [{ GetterSource: 'git::git@github.com:o/r', GetterOptions: { sshkey: S } }] }),
    `"sshkey":"${REDACTED}"`,
  ],
  [
    'artifact: an Authorization header',
    jobWith({ Artifacts: [{ GetterSource: 'https://files.example/a.tgz', GetterHeaders: { Authorization: `Bearer ${S}` } }] }),
    `"Authorization":"${REDACTED}"`,
  ],
  [
    'artifact: an API key header',
    jobWith({ Artifacts: [{ GetterSource: 'https://files.example/a.tgz', GetterHeaders: { 'X-Api-Key': S } }] }),
    `"X-Api-Key":"${REDACTED}"`,
  ],
  [
    'artifact: a password in the URL',
    jobWith({ Artifacts: [{ GetterSource: `git::https://robot:${S}@git.example/r.git` }] }),
    '"git::https://robot:redacted@git.example/r.git"',
  ],
  [
    "artifact: a key in the URL's query",
    jobWith({ Artifacts: [{ GetterSource: `s3::https://s3.amazonaws.com/b/k?aws_access_key_id=AKIA&aws_access_key_secret=${S}` }] }),
    'aws_access_key_secret=redacted',
  ],
  [
    'service check: an Authorization header',
    jobWith({ Services: [{ Name: 'ws', Checks: [{ Type: 'http', Header: { Authorization: [`Basic ${S}`] } }] }] }),
    `"Authorization":["${REDACTED}"]`,
  ],
  [
    'CSI volume secrets',
    {
      ID: 'devpod-x',
      TaskGroups: [{ Name: 'workspace', Volumes: { ws: { Type: 'csi', Source: 'v', Secrets: { key: S } } }, Tasks: [] }],
    } as unknown as NomadJob,
    `"Secrets":{"key":"${REDACTED}"}`,
  ],
  ['identity_token', jobWith({ Config: { image: 'x', identity_token: S } }), `"identity_token":"${REDACTED}"`],
];

describe("plan's redaction", () => {
  it.each(CASES)('hides %s', (_where, job, shown) => {
    const out = JSON.stringify(redactJob(job));
    expect(out).not.toContain(S);
    expect(out).toContain(shown);
  });

  it("shows everything else as it is: names, images, addresses and the task's own references", () => {
    const job = jobWith({
      Config: {
        image: 'r.example:5000/x:1',
        auth: [{ username: 'robot', password: '${DEVPOD_REGISTRY_PASSWORD}', server_address: 'r.example:5000' }],
      },
      Env: { LANG: 'C.UTF-8', VAULT_ADDR: 'https://vault.example:8200', DB_PASSWORD: '' },
      Templates: [
        {
          EmbeddedTmpl: '{{ with secret "secret/data/app" }}DB_PASSWORD={{ .Data.data.password | toJSON }}{{ end }}',
          DestPath: 'secrets/vault-0.env',
        },
      ],
      Artifacts: [{ GetterSource: 'https://files.example/a.tgz?checksum=sha256:abc' }],
    });
    expect(redactJob(job)).toEqual(job);
  });

  it('does not change the job it is given', () => {
    const job = CASES[0]![1];
    const before = JSON.stringify(job);
    redactJob(job);
    expect(JSON.stringify(job)).toBe(before);
  });
});
