// NOMAD_JOB_TEMPLATE on the real agent, through the provider binary: a team's HCL job with a sidecar task and a
// constraint, parsed by the agent, merged with the workspace job, run, exec'd into and shown by `plan`; and broken
// templates refused before anything reaches Nomad.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';

const nomad = sharedClient();
const dir = mkdtempSync(join(tmpdir(), 'job-template-'));
const machines: string[] = [];

afterAll(async () => {
  await Promise.all(machines.map((m) => nomad.jobs.purge(jobIdFor(m)).catch(() => undefined)));
});

function templateFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const TEAM_HCL = `
job "\${JOB_ID}" {
  meta {
    team    = "platform"
    machine = "\${MACHINE_ID}"
  }
  constraint {
    attribute = "\${attr.kernel.name}"
    value     = "linux"
  }
  group "dev" {
    task "workspace" {
      env {
        TEAM     = "platform"
        JOB_SEEN = "\${JOB_ID}"
      }
    }
    task "sidecar" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["3600"]
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
`;

describe('a team job template (NOMAD_JOB_TEMPLATE)', () => {
  it("runs the workspace in the team's job: its sidecar and constraint kept, the provider's task merged in", async () => {
    const machine = uniqueId('tpl');
    machines.push(machine);
    const jobId = jobIdFor(machine);
    const env = devpodEnv(machine, { NOMAD_JOB_TEMPLATE: templateFile('team.hcl', TEAM_HCL) });

    const plan = await cli(['plan'], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout.toString()).toMatch(/placement: would place 1 allocation/);
    expect(plan.stdout.toString()).toContain('"Name": "sidecar"');
    expect(await nomad.jobs.read(jobId).then((r) => r.data)).toBeUndefined();

    const created = await cli(['create'], env);
    expect(created.code, created.stderr).toBe(0);
    const job = (await nomad.jobs.read(jobId)).data!;
    const group = job.TaskGroups![0]!;
    expect(group.Tasks.map((t) => `${t.Name}:${t.Driver}`)).toEqual(['workspace:raw_exec', 'sidecar:raw_exec']);
    expect(job.Meta).toMatchObject({ team: 'platform', machine, devpod_machine_id: machine });
    expect(job.Constraints).toEqual([expect.objectContaining({ LTarget: '${attr.kernel.name}', RTarget: 'linux' })]);

    const allocs = (await nomad.jobs.allocations(jobId)).data!;
    const running = allocs.find((a) => a.ClientStatus === 'running')!;
    expect(Object.fromEntries(Object.entries(running.TaskStates ?? {}).map(([n, t]) => [n, t.State]))).toEqual({
      workspace: 'running',
      sidecar: 'running',
    });
    const r = await cli(['command'], { ...env, COMMAND: 'printf "%s %s" "$TEAM" "$JOB_SEEN"' });
    expect([r.code, r.stdout.toString()]).toEqual([0, `platform ${jobId}`]);
    expect((await cli(['status'], env)).stdout.toString()).toBe('Running\n');
  });

  it.each([
    [
      'HCL Nomad cannot parse',
      'broken.hcl',
      'job "x" {\n  group "g" {\n',
      /NOMAD_JOB_TEMPLATE=".*broken\.hcl" cannot be used: Nomad could not parse it as HCL: .*broken|Failed to parse job/,
    ],
    [
      'no task to exec into',
      'notask.hcl',
      'job "x" {\n  group "g" {\n    task "app" {\n      driver = "raw_exec"\n    }\n  }\n}\n',
      /its job ID "x" is not the workspace's .*; its group has no task named "workspace" \(tasks: app\)/,
    ],
    [
      'a JSON job for another id',
      'other.json',
      '{"Job": {"ID": "prod-api", "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "workspace"}]}]}}',
      /NOMAD_JOB_TEMPLATE=".*other\.json" cannot be used: its job ID "prod-api" is not the workspace's/,
    ],
  ])('refuses %s before anything is submitted', async (_, name, text, message) => {
    const machine = uniqueId('tplbad');
    machines.push(machine);
    const r = await cli(['create'], devpodEnv(machine, { NOMAD_JOB_TEMPLATE: templateFile(name, text) }));
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(message);
    expect(await nomad.jobs.read(jobIdFor(machine)).then((x) => x.data)).toBeUndefined();
  });
});
