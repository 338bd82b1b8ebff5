// Secrets never leave in what we print: every command's stdout and stderr (debug on), and the rendered job of the
// dry run, are searched for the Nomad token and the registry password.
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
});
