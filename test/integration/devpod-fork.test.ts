// The contract of DevPod's community fork, skevetter/devpod v0.26.1 (what most DevPod users run now, and what Devsy
// inherits), which loft-sh v0.6.15 does not have — proven with the fork's own CLI, the released linux-amd64
// provider served on loopback, and the shared Nomad dev agent (raw_exec):
// - options reach the provider from DEVPOD_PROVIDER_<NAME>_<OPTION>, under the README's name `nomad`;
// - `devpod machine describe` prints the job, state, node and resources, and no secret;
// - `devpod provider rename` under a running machine: ssh and delete still work (nothing is named after PROVIDER_ID);
// - the fork polls `status` after create/start (Busy: again in 2 s, no limit; Stopped: start; NotFound: create), so a
//   `devpod up` that cannot succeed must end with the reason, not call create or start in a loop: a workspace that
//   cannot be placed, and one whose task never starts (an artifact that never downloads) end at NOMAD_TIMEOUT.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { cli, devpodEnv, providerCommand } from '../helpers/cli.js';
import { devpodCli, SKEVETTER, type Devpod } from '../helpers/devpod.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';
import { pathWithoutNode, serveRelease, type ServedRelease } from '../helpers/release.js';

const nomad = sharedClient();
const work = mkdtempSync(join(tmpdir(), 'devpod-fork-'));
const home = join(work, 'devpod-home');
/** A token DevPod holds as a provider option: it must show up nowhere. ACLs are off on the dev agent, so it is unused. */
const TOKEN = `secret-${Math.random().toString(36).slice(2)}`;
let served: ServedRelease;
let pathDir: string;
let dp: Devpod;
const printed: string[] = [];
const devpod = async (args: string[], timeoutMs?: number) => {
  const r = await dp.run(args, timeoutMs);
  printed.push(r.out);
  if (r.code !== 0)
    process.stderr.write(
      `[fork] devpod ${args.slice(0, 2).join(' ')} exited ${r.code}${r.timedOut ? " (killed at the test's bound)" : ''}:\n${r.out.slice(-3000)}\n`,
    );
  return r;
};
/** How many times the provider ran a command, counted by the line each writes (DevPod shows it with --debug). */
const count = (out: string, line: RegExp) => out.match(new RegExp(line.source, 'g'))?.length ?? 0;
const REGISTERED = /registered \(evaluation/;
const STARTED = /started \(evaluation/;

type Seen = { status?: string; state?: string; reason?: string; overdue?: boolean };
const statusOf = async (env: Record<string, string>): Promise<Seen> =>
  JSON.parse((await cli(['status', '--output', 'json'], env)).stdout.toString() || '{}') as Seen;
/** The provider's status once it is no longer Busy (bounded by the test's timeout: Busy must end). */
async function settled(env: Record<string, string>): Promise<Seen> {
  for (;;) {
    const seen = await statusOf(env);
    if (seen.status !== 'Busy') return seen;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A local repository for `devpod up`: a devcontainer.json, which DevPod reads before it creates anything. */
function repository(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, '.devcontainer'), { recursive: true });
  writeFileSync(join(dir, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name, image: 'ubuntu:22.04' }));
  return dir;
}

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  mkdirSync(join(home, 'tmp'), { recursive: true });
  dp = devpodCli(home, 120_000, { PATH: pathDir, TMPDIR: join(home, 'tmp') }, SKEVETTER);
}, 900_000);

afterAll(async () => {
  const left = (await nomad.jobs.list('devpod-fk')).data;
  await Promise.all(left.map((j) => nomad.jobs.purge(j.ID).catch(() => undefined)));
  await served?.close();
  if (pathDir) rmSync(pathDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe(`the provider with ${SKEVETTER.name}`, () => {
  const machine = uniqueId('fk');
  const jobId = jobIdFor(machine);
  const agentDir = join(work, 'agent');

  it("takes the options from DEVPOD_PROVIDER_NOMAD_<OPTION> (the README's provider name, nomad) at provider add", async () => {
    const viaEnv = devpodCli(
      home,
      120_000,
      {
        PATH: pathDir,
        TMPDIR: join(home, 'tmp'),
        DEVPOD_PROVIDER_NOMAD_NOMAD_ADDR: inject('nomadAddr'),
        DEVPOD_PROVIDER_NOMAD_NOMAD_TOKEN: TOKEN,
        DEVPOD_PROVIDER_NOMAD_NOMAD_DRIVER: 'raw_exec',
        DEVPOD_PROVIDER_NOMAD_NOMAD_CPU: '100',
        DEVPOD_PROVIDER_NOMAD_NOMAD_MEMORYMB: '192',
        DEVPOD_PROVIDER_NOMAD_AGENT_PATH: `${agentDir}/agent`,
        DEVPOD_PROVIDER_NOMAD_AGENT_DATA_PATH: `${agentDir}/data`,
      },
      SKEVETTER,
    );
    const add = await viaEnv.run(['provider', 'add', `${served.url}/provider.yaml`, '--name', 'nomad']);
    printed.push(add.out);
    expect(add.code, add.out).toBe(0);
    // Every later command runs without those variables: what reaches the provider is what DevPod kept as options.
    const created = await devpod(['machine', 'create', machine, '--provider', 'nomad']);
    expect(created.code).toBe(0);
    const task = (await nomad.jobs.read(jobId)).data!.TaskGroups![0]!.Tasks[0]!;
    expect({ driver: task.Driver, resources: task.Resources }).toMatchObject({ driver: 'raw_exec', resources: { CPU: 100, MemoryMB: 192 } });
  });

  it('says Running as soon as create returned', async () => {
    const r = await devpod(['machine', 'status', machine, '--output', 'json']);
    expect(r.out).toMatch(/"state":\s*"Running"/i);
  });

  it('devpod machine describe prints the job and namespace, state, allocation, node and address, driver and resources', async () => {
    const r = await devpod(['machine', 'describe', machine]);
    expect(r.code).toBe(0);
    process.stderr.write(`[fork] devpod machine describe printed:\n${r.stdout}`);
    const allocs = (await nomad.jobs.allocations(jobId)).data.filter((a) => a.ClientStatus === 'running');
    expect(allocs).toHaveLength(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      `job:        ${jobId} (namespace default, region global, service)`,
      expect.stringMatching(/^state: +Running \(running\) since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      `allocation: ${allocs[0]!.ID} on node ${allocs[0]!.NodeName}, address ${(await nomad.nodes.read(allocs[0]!.NodeID!)).data.Attributes!['unique.network.ip-address']}`,
      'driver:     raw_exec (no image: runs on the client host)',
      'resources:  100 MHz CPU, 192 MB memory, 300 MB disk',
      "volume:     none (files live on the task's ephemeral disk)",
    ]);
    expect(r.out).not.toContain(TOKEN);
  });

  it('after devpod provider rename, the running machine is still reached: ssh, status, delete', async () => {
    const renamed = await devpod(['provider', 'rename', 'nomad', 'nomadrenamed']);
    expect(renamed.code).toBe(0);
    // Not kept in `printed`: DevPod's own listing shows the options it stores, the token among them.
    expect((await dp.run(['provider', 'list', '--output', 'json'])).out).toContain('"nomadrenamed"');
    const ssh = await devpod(['machine', 'ssh', machine, '--command', 'echo still-here'], 240_000);
    expect(ssh.out).toContain('still-here');
    expect(ssh.code).toBe(0);
    expect((await devpod(['machine', 'status', machine, '--output', 'json'])).out).toMatch(/"state":\s*"Running"/i);
    expect((await devpod(['machine', 'delete', machine])).code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
  }, 300_000);

  it('devpod up on a workspace Nomad cannot place ends with the reason, having run create once and start never', async () => {
    const repo = repository('fk-huge');
    for (const attempt of [1, 2]) {
      const up = await devpod(
        ['up', repo, '--provider', 'nomadrenamed', '--ide', 'none', '--debug', '--provider-option', 'NOMAD_MEMORYMB=4000000'],
        120_000,
      );
      expect({ attempt, timedOut: up.timedOut }).toEqual({ attempt, timedOut: false });
      expect(up.code).not.toBe(0);
      expect(up.out).toMatch(/cannot run: task group "workspace" cannot be placed: .*without enough memory/);
      expect([count(up.out, REGISTERED), count(up.out, STARTED)]).toEqual([1, 0]);
    }
    // When the first create of a workspace fails, DevPod drops its records of the workspace and its machine, and the
    // next `devpod up` makes a new machine (a new random id): the stopped jobs are Nomad's alone to show and remove.
    expect((await dp.run(['list', '--output', 'json'])).out).not.toContain('fk-huge');
    const left = (await nomad.jobs.list('devpod-fk-huge')).data;
    expect(left.map((j) => j.Stop)).toEqual([true, true]);
  }, 300_000);

  describe('a workspace whose task never starts (an artifact from a server that never answers)', () => {
    let stall: Server;
    const sockets = new Set<Socket>();
    let template: string;

    beforeAll(async () => {
      stall = createServer((s) => sockets.add(s.on('error', () => undefined)));
      await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
      template = join(work, 'stall.hcl');
      writeFileSync(
        template,
        `
job "\${JOB_ID}" {
  group "dev" {
    task "workspace" {
      artifact {
        source      = "http://127.0.0.1:${(stall.address() as { port: number }).port}/never.bin"
        destination = "local/never.bin"
        mode        = "file"
      }
    }
  }
}
`,
      );
    });

    afterAll(() => {
      for (const s of sockets) s.destroy();
      stall?.close();
    });

    it('devpod up ends at NOMAD_TIMEOUT with the reason, and status then says Stopped, not Busy', async () => {
      const repo = repository('fk-stall');
      const opts = ['--provider-option', `NOMAD_JOB_TEMPLATE=${template}`, '--provider-option', 'NOMAD_TIMEOUT=10s'];
      const up = await devpod(['up', repo, '--provider', 'nomadrenamed', '--ide', 'none', '--debug', ...opts], 120_000);
      expect(up.timedOut).toBe(false);
      expect(up.code).not.toBe(0);
      expect(up.out).toMatch(/timed out after 10 s waiting for workspace \S+ to be running; last state: scheduled \(.*downloading artifacts/i);
      expect([count(up.out, REGISTERED), count(up.out, STARTED)]).toEqual([1, 0]);
      const [job] = (await nomad.jobs.list('devpod-fk-stall')).data;
      expect(job!.Stop).toBe(true);
      // DevPod dropped its machine record when create failed; the provider's own status reads the job. Nomad takes
      // its time to end a task stuck downloading an artifact: Busy (stopping) until NOMAD_TIMEOUT after the stop.
      const machineId = (await nomad.jobs.read(job!.ID)).data!.Meta!.devpod_machine_id!;
      const seen = await settled(devpodEnv(machineId, { NOMAD_TIMEOUT: '10s' }));
      expect(seen).toMatchObject({
        status: 'Stopped',
        reason: expect.stringMatching(/job stopped after: did not run within NOMAD_TIMEOUT \(10 s\); it was scheduled: .*downloading artifacts/i),
      });
    }, 300_000);

    it('left Busy by a create that was killed, status says Stopped after NOMAD_TIMEOUT, and start starts it over once', async () => {
      const machine = uniqueId('fk-left');
      const env = (timeout: string) => devpodEnv(machine, { NOMAD_JOB_TEMPLATE: template, NOMAD_TIMEOUT: timeout });
      const creating = spawn(...providerCommand(['create']), { env: env('600s'), stdio: 'ignore' });
      try {
        while ((await statusOf(env('600s'))).state !== 'scheduled') await new Promise((r) => setTimeout(r, 200));
      } finally {
        creating.kill('SIGKILL');
      }
      expect(await statusOf(env('600s'))).toMatchObject({ status: 'Busy', state: 'scheduled' });
      // The same workspace read with NOMAD_TIMEOUT=3s: Busy until 3 s after its allocation was made, then Stopped.
      expect(await settled(env('3s'))).toMatchObject({
        status: 'Stopped',
        state: 'scheduled',
        overdue: true,
        reason: expect.stringMatching(/^scheduled for longer than NOMAD_TIMEOUT \(3 s\), since .*downloading artifacts/i),
      });
      // What DevPod's fork does next: start. It starts over (stop, register again), waits NOMAD_TIMEOUT, and fails.
      const start = await cli(['start'], env('3s'));
      expect(start.code).toBe(1);
      expect(start.stderr).toMatch(/starting it over/);
      expect(start.stderr).toMatch(/timed out after 3 s .*scheduled/);
      expect(await settled(env('3s'))).toMatchObject({
        status: 'Stopped',
        reason: expect.stringMatching(/job stopped after: did not run within NOMAD_TIMEOUT \(3 s\)/),
      });
    }, 180_000);
  });

  it('printed no secret', () => {
    expect(printed.join('\n')).not.toContain(TOKEN);
  });
});
