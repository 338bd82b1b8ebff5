// Secrets never leave in what we print: every command's stdout and stderr (debug on), and the rendered job of the
// dry run, are searched for the Nomad token and the registry password.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';

const TOKEN = 'c0ffee00-5ec2-4e7a-9b1d-70ce11ed5ec2';
const PASSWORD = 'hunter2-registry-password-93f1';
const nomad = sharedClient();

describe('secrets in output', () => {
  const machine = uniqueId('secret');
  afterAll(async () => {
    await nomad.jobs.purge(jobIdFor(machine)).catch(() => undefined);
  });

  it('never prints the token or the registry password, in any command, in success or failure', async () => {
    const base = devpodEnv(machine, { NOMAD_TOKEN: TOKEN, DEVPOD_DEBUG: 'true' });
    const planEnv = {
      ...base,
      NOMAD_DRIVER: 'docker',
      NOMAD_REGISTRY_AUTH: 'job',
      NOMAD_REGISTRY_USERNAME: 'robot',
      NOMAD_REGISTRY_PASSWORD: PASSWORD,
      VAULT_ADDR: 'https://vault.example:8200',
      VAULT_POLICIES_JSON: '["devpod"]',
      VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{"password":"DB_PASSWORD"}}]',
    };
    const runs = [
      await cli(['init'], base),
      await cli(['plan'], planEnv),
      await cli(['plan', '--output', 'json'], planEnv),
      await cli(['create'], base),
      await cli(['status'], base),
      await cli(['status', '--output', 'json'], base),
      await cli(['command'], { ...base, COMMAND: 'echo ok' }),
      await cli(['create'], { ...planEnv, NOMAD_CPU: 'broken' }),
      await cli(['create'], { ...base, NOMAD_ADDR: 'http://127.0.0.1:1' }),
      await cli(['delete'], base),
    ];
    const printed = runs.map((r) => `${r.stdout.toString()}\n${r.stderr}`).join('\n');
    // The job carries no password at all: its driver config names the task's variable, filled in on the client.
    expect(printed).toContain('${DEVPOD_REGISTRY_PASSWORD}');
    expect(printed).toContain('secret/data/app');
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain(PASSWORD);
    expect(runs.map((r) => r.code)).toEqual([0, 1, 1, 0, 0, 0, 0, 1, 1, 0]);
  });

  it("plan hides every secret a team's job template carries, in text and JSON", async () => {
    const secrets = [
      'tpl-vault-token-1',
      'tpl-consul-token-2',
      'tpl-db-password-3',
      'tpl-github-token-4',
      'tpl-meta-token-5',
      'tpl-s3-secret-6',
      'tpl-sshkey-7',
      'tpl-bearer-8',
      'tpl-url-password-9',
      'tpl-query-secret-10',
    ];
    const [vault, consul, db, gh, meta, s3, ssh, bearer, urlPw, query] = secrets;
    const template = {
      Job: {
        ID: '${JOB_ID}',
        VaultToken: vault,
        ConsulToken: consul,
        Meta: { api_token: meta },
        TaskGroups: [
          {
            Name: 'dev',
            Tasks: [
              { Name: 'workspace', Env: { DB_PASSWORD: db } },
              {
                Name: 'sidecar',
                Driver: 'raw_exec',
                Config: { command: '/bin/sleep', args: ['3600'] },
                Env: { GITHUB_TOKEN: gh },
                Artifacts: [
                  {
                    GetterSource: 's3::https://s3.amazonaws.com/bucket/tool.tgz',
                    GetterOptions: { aws_access_key_id: 'AKIAEXAMPLE', aws_access_key_secret: s3 },
                  },
                  { GetterSource: 'git::git@git.example:team/tools.git', GetterOptions: { sshkey: ssh } },
                  { GetterSource: 'https://files.example/tool.tgz', GetterHeaders: { Authorization: `Bearer ${bearer}` } },
                  { GetterSource: `git::https://robot:${urlPw}@git.example/team/tools.git` },
                  { GetterSource: `https://files.example/tool.tgz?api_key=${query}` },
                ],
              },
            ],
          },
        ],
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'secret-template-'));
    writeFileSync(join(dir, 'team.json'), JSON.stringify(template));
    const env = devpodEnv(uniqueId('secret-tpl'), { NOMAD_JOB_TEMPLATE: join(dir, 'team.json') });
    const runs = [await cli(['plan'], env), await cli(['plan', '--output', 'json'], env)];
    const printed = runs.map((r) => `${r.stdout.toString()}\n${r.stderr}`).join('\n');
    expect(printed).toContain('"GITHUB_TOKEN": "<redacted>"');
    expect(printed).toContain('s3::https://s3.amazonaws.com/bucket/tool.tgz');
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });
});
