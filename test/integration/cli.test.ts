// The provider binary, run as DevPod runs it, against the shared real Nomad agent (raw_exec driver).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { BAD_INPUT } from '../helpers/bad-input.js';
import { sharedClient, testJob, uniqueId } from '../helpers/jobs.js';
import { startAuthProxy } from '../helpers/auth-proxy.js';
import { watchWorkspace } from '../../src/workspace/lifecycle/nomad-actors.js';
import { waitUntil } from '../../src/machines/wait.js';

/**
 * The message as a pattern, except the JSON parser's own words (`(JSON: …)`), which are the engine's: V8 under Node
 * and JavaScriptCore in a Bun-compiled executable word the same fault differently (config.test.ts checks V8's
 * exactly). The option, what is expected, the exit code and "nothing submitted" are ours, and checked as written.
 */
function engineNeutral(message: string): string {
  const at = message.indexOf(' (JSON: ');
  return at < 0 ? escapeRegExp(message) : `${escapeRegExp(message.slice(0, at))} \\(JSON: .+\\)`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const nomad = sharedClient();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function waitForRunning(jobId: string): Promise<void> {
  const actor = watchWorkspace(nomad, { jobId });
  try {
    await waitUntil(actor, 'running', 30_000);
  } finally {
    actor.stop();
  }
}

describe('provider CLI lifecycle', () => {
  const machine = uniqueId('cli');
  const env = devpodEnv(machine);
  const jobId = jobIdFor(machine);

  beforeAll(async () => {
    const created = await cli(['create'], env);
    expect(created.stderr).toMatch(/running on node/);
    expect(created.code).toBe(0);
  });
  afterAll(async () => {
    await nomad.jobs.purge(jobId).catch(() => undefined);
  });

  it('created a job named after the machine, recording DevPod ids in its meta', async () => {
    const job = (await nomad.jobs.read(jobId)).data!;
    expect(job.Meta).toMatchObject({ devpod_machine_id: machine, devpod_machine_folder: `/tmp/devpod-test/machines/${machine}` });
  });

  it('made no deployment: a deployment that turns healthy after a stop would write the running version back', async () => {
    const job = (await nomad.jobs.read(jobId)).data!;
    expect(job.TaskGroups?.[0]?.Update).toMatchObject({ MaxParallel: 0 });
    const deployments = await nomad.http.request<unknown[]>('GET', `/v1/job/${jobId}/deployments`);
    expect(deployments.data).toEqual([]);
  });

  it('init on a cluster without ACLs checks no token rights, and says so in debug mode', async () => {
    const r = await cli(['init'], { ...env, DEVPOD_DEBUG: 'true' });
    expect(r.stderr).toMatch(/token rights not checked: ACLs are disabled on this cluster/);
    expect([r.code, r.stdout.length]).toEqual([0, 0]);
  });

  it('prints only the status word on stdout', async () => {
    const r = await cli(['status'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('Running\n');
  });

  it('converges when create runs again for the same workspace', async () => {
    const before = (await nomad.jobs.read(jobId)).data!.Version;
    const again = await cli(['create'], env);
    expect(again.code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data!.Version).toBe(before);
  });

  it('passes 8 MiB of random bytes through stdin and back through stdout unchanged', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const r = await cli(['command'], { ...env, COMMAND: 'cat' }, data);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(sha(r.stdout)).toBe(sha(data));
  });

  it('hashes stdin remotely to the same digest (stdin EOF reaches the remote process)', async () => {
    const data = randomBytes(1024 * 1024 + 7);
    const r = await cli(['command'], { ...env, COMMAND: 'sha256sum | cut -d" " -f1' }, data);
    expect(r.stdout.toString().trim()).toBe(sha(data));
  });

  it.each([0, 1, 42])('returns the remote exit code %i', async (code) => {
    const r = await cli(['command'], { ...env, COMMAND: `printf out; printf err >&2; exit ${code}` });
    expect(r.code).toBe(code);
    expect(r.stdout.toString()).toBe('out');
    expect(r.stderr).toContain('err');
  });

  it('stops keeping the definition, starts again, and deletes', async () => {
    expect((await cli(['stop'], env)).code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data!.Stop).toBe(true);
    expect((await cli(['status'], env)).stdout.toString()).toBe('Stopped\n');
    const err = await cli(['command'], { ...env, COMMAND: 'true' });
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/is stopped .*start it first/);

    expect((await cli(['start'], env)).code).toBe(0);
    expect((await cli(['status'], env)).stdout.toString()).toBe('Running\n');

    expect((await cli(['delete'], env)).code).toBe(0);
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
    expect((await cli(['status'], env)).stdout.toString()).toBe('NotFound\n');
    expect((await cli(['delete'], env)).code).toBe(0);
  });
});

describe('provider CLI on bad input', () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      'unreachable Nomad',
      ['create'],
      { NOMAD_ADDR: 'http://127.0.0.1:1' },
      /^error: Cannot reach Nomad at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/m,
    ],
    ['missing MACHINE_ID', ['create'], { MACHINE_ID: '' }, /^error: MACHINE_ID is not set/m],
    ['missing COMMAND', ['command'], { COMMAND: '' }, /^error: COMMAND is not set/m],
    ['bad status output', ['status', '--output', 'yaml'], {}, /--output "yaml" is not valid: expected plain or json/],
    ['bad plan flag', ['plan', '--set', 'NOMAD_CPU'], {}, /--set "NOMAD_CPU" is not valid: expected KEY=VALUE/],
    // Every bad option value of the config tests, through the real binary: the same message, and nothing submitted.
    ...BAD_INPUT.map(([what, env, message]): [string, string[], Record<string, string>, RegExp] => [
      what,
      ['create'],
      { NOMAD_DRIVER: '', ...env },
      new RegExp(`^error: .*${engineNeutral(message)}`, 'm'),
    ]),
  ];

  it.each(cases)('%s: exits 1 with a message naming the problem, and submits nothing', async (_name, args, extra, message) => {
    const machine = uniqueId('bad');
    const r = await cli(args, devpodEnv(machine, extra));
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect((await nomad.jobs.read(jobIdFor(machine))).data).toBeUndefined();
  });

  it('refuses to take over a job of the same name that another machine created', async () => {
    const machine = uniqueId('owned');
    const env = devpodEnv(machine);
    expect((await cli(['create'], env)).code).toBe(0);
    const job = (await nomad.jobs.read(jobIdFor(machine))).data!;
    await nomad.jobs.register({ ...job, Meta: { 'devpod.machine-id': 'someone-else' } });
    const r = await cli(['create'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exists but belongs to DevPod machine "someone-else"; refusing to take over it/);
    await nomad.jobs.purge(jobIdFor(machine));
  });

  it('fails create with the placement reason, and leaves the job stopped for inspection', async () => {
    const machine = uniqueId('huge');
    const r = await cli(['create'], devpodEnv(machine, { NOMAD_MEMORYMB: '50TB' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot run: task group "workspace" cannot be placed: 1 node without enough memory\. The job was stopped/);
    expect((await nomad.jobs.read(jobIdFor(machine))).data!.Stop).toBe(true);
    expect((await cli(['status'], devpodEnv(machine))).stdout.toString()).toBe('Stopped\n');
    // The cause outlives the failed evaluation: the next look still says why.
    const json = JSON.parse((await cli(['status', '--output', 'json'], devpodEnv(machine))).stdout.toString()) as { reason: string };
    expect(json.reason).toBe('job stopped after: task group "workspace" cannot be placed: 1 node without enough memory');
    // start clears the kept cause from the definition it registers again (and fails again here, for the same cause).
    expect((await cli(['start'], devpodEnv(machine))).stderr).toMatch(
      /cannot run: task group "workspace" cannot be placed: 1 node without enough memory/,
    );
    await nomad.jobs.purge(jobIdFor(machine));
  });

  it('never stops, starts, deletes or reports a job of its name that DevPod did not create', async () => {
    const machine = uniqueId('foreign');
    const jobId = jobIdFor(machine);
    await nomad.jobs.register({ ...testJob(jobId), Meta: { owner: 'another team' } });
    await waitForRunning(jobId);
    const env = devpodEnv(machine);
    for (const command of ['delete', 'stop', 'start']) {
      const r = await cli([command], env);
      expect(r.code, command).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`exists but was not created by DevPod \\(it has no "devpod_machine_id" meta\\); refusing to ${command} it`),
      );
    }
    const status = await cli(['status'], env);
    expect([status.stdout.toString(), status.code]).toEqual(['NotFound\n', 0]);
    expect(status.stderr).toMatch(/was not created by DevPod .*; it is not this workspace/);
    // Untouched: still registered and running.
    const job = (await nomad.jobs.read(jobId)).data!;
    expect([job.Stop, job.Status]).toEqual([false, 'running']);
    await nomad.jobs.purge(jobId);
  });
});

describe('behind a proxy that asks for HTTP basic auth (NOMAD_HTTP_AUTH)', () => {
  const machine = uniqueId('auth');
  let proxy: Awaited<ReturnType<typeof startAuthProxy>>;

  beforeAll(async () => {
    proxy = await startAuthProxy(devpodEnv(machine).NOMAD_ADDR!, 'devpod:pa:ss');
  });
  afterAll(async () => {
    await nomad.jobs.purge(jobIdFor(machine)).catch(() => undefined);
    await proxy?.close();
  });

  it('without it, says to set NOMAD_HTTP_AUTH', async () => {
    const r = await cli(['status'], devpodEnv(machine, { NOMAD_ADDR: proxy.address }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/asked for HTTP authentication .*\(401 authentication required\): set NOMAD_HTTP_AUTH=user:password/);
  });

  it('with it, every request carries it: reads, the event stream and the exec websocket', async () => {
    const env = devpodEnv(machine, { NOMAD_ADDR: proxy.address, NOMAD_HTTP_AUTH: 'devpod:pa:ss' });
    proxy.seen.length = 0;
    expect((await cli(['create'], env)).code).toBe(0);
    const r = await cli(['command'], { ...env, COMMAND: 'echo through the proxy' });
    expect([r.stdout.toString(), r.code]).toEqual(['through the proxy\n', 0]);
    expect(proxy.seen.every((s) => s.ok)).toBe(true);
    expect(proxy.seen.some((s) => s.path === '/v1/event/stream')).toBe(true);
    expect(proxy.seen.some((s) => s.upgrade && s.path.endsWith('/exec'))).toBe(true);
  });
});
