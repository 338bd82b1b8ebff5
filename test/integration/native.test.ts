// Native mode's custom-driver commands, run the way DevPod's local agent runs them (DEVCONTAINER_ID,
// DEVCONTAINER_RUN_OPTIONS, DEVCONTAINER_USER, DEVCONTAINER_COMMAND in the environment), against the real agent.
// The devcontainer task uses the raw_exec driver here, so the image field is recorded but not run.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeJobId } from '../../src/native/devcontainer.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';

const nomad = sharedClient();

describe('native mode (custom driver commands)', () => {
  const id = uniqueId('dc');
  const jobId = nativeJobId(id);
  const source = mkdtempSync(join(tmpdir(), 'native-src-'));
  const target = mkdtempSync(join(tmpdir(), 'native-target-'));
  writeFileSync(join(source, 'hello.txt'), 'from the local workspace\n');
  const env = { ...devpodEnv('unused'), MACHINE_ID: '', DEVCONTAINER_ID: id };
  const runOptions = {
    uid: id,
    image: 'mcr.microsoft.com/devcontainers/base:ubuntu',
    user: 'root',
    env: { FROM_DEVCONTAINER: 'yes' },
    labels: ['dev.containers.id=abc', 'devpod.user=root'],
    workspaceMount: { type: 'bind', source, target: join(target, 'ws') },
  };

  afterAll(async () => {
    await nomad.jobs.purge(jobId).catch(() => undefined);
    rmSync(source, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  });

  it('finds nothing before run', async () => {
    const r = await cli(['native', 'find'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('');
  });

  it('runs the devcontainer as a batch job, waits for it, and copies the workspace folder in once', async () => {
    const r = await cli(['native', 'run'], { ...env, DEVCONTAINER_RUN_OPTIONS: JSON.stringify(runOptions) });
    expect(r.stderr).toMatch(/running on node/);
    expect(r.code).toBe(0);
    const job = (await nomad.jobs.read(jobId)).data!;
    expect(job.Type).toBe('batch');
    expect(job.Meta).toMatchObject({ devcontainer_image: runOptions.image, devcontainer_user: 'root' });
    expect(JSON.parse(job.Meta!.devcontainer_labels!)).toMatchObject({ 'dev.containers.id': 'abc' });
    expect(readFileSync(join(target, 'ws', 'hello.txt'), 'utf8')).toBe('from the local workspace\n');
  });

  it('finds it running, with the labels, user and image DevPod set', async () => {
    const r = await cli(['native', 'find'], env);
    const details = JSON.parse(r.stdout.toString());
    expect(details).toMatchObject({
      ID: jobId,
      State: { Status: 'running' },
      Config: {
        Labels: { 'dev.containers.id': 'abc', 'devpod.user': 'root' },
        User: 'root',
        Image: runOptions.image,
        WorkingDir: join(target, 'ws'),
      },
    });
    expect(Date.parse(details.Created)).toBeGreaterThan(Date.now() - 600_000);
  });

  it('reports the node architecture', async () => {
    const r = await cli(['native', 'target-architecture'], env);
    expect(r.stdout.toString()).toMatch(/^(amd64|arm64)\n$/);
  });

  it('runs commands byte-exact with the devcontainer environment and exit code', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const r = await cli(['native', 'command'], { ...env, DEVCONTAINER_USER: 'root', DEVCONTAINER_COMMAND: 'cat' }, data);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const e = await cli(['native', 'command'], { ...env, DEVCONTAINER_COMMAND: 'echo $FROM_DEVCONTAINER; exit 7' });
    expect(e.stdout.toString()).toBe('yes\n');
    expect(e.code).toBe(7);
  });

  it('runs the command as DEVCONTAINER_USER (switching from the task user with su)', async () => {
    const r = await cli(['native', 'command'], { ...env, DEVCONTAINER_USER: 'nobody', DEVCONTAINER_COMMAND: 'id -un' });
    expect(r.stdout.toString()).toBe('nobody\n');
    expect(r.code).toBe(0);
  });

  it("describes the devcontainer job (exec.describe runs with WORKSPACE_ID, not the custom driver's DEVCONTAINER_ID)", async () => {
    const r = await cli(['native', 'describe'], { ...env, DEVCONTAINER_ID: '', WORKSPACE_ID: id });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(
      new RegExp(`^job: +${jobId} \\(namespace default, region global, batch\\)\nstate: +Running \\(running\\) since `),
    );
    expect(r.stdout.toString()).toMatch(/\ndriver: +raw_exec /);
  });

  it("local-command (native exec.command: DevPod's agent is local) runs $COMMAND here, byte-exact, with its exit code", async () => {
    const data = randomBytes(256 * 1024);
    // DEVPOD_LOCAL is in this process's environment only, not the devcontainer's.
    const r = await cli(['native', 'local-command'], { ...env, DEVPOD_LOCAL: 'here', COMMAND: 'cat; echo "$DEVPOD_LOCAL" >&2; exit 3' }, data);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect([r.code, r.stderr]).toEqual([3, 'here\n']);
    const missing = await cli(['native', 'local-command'], { ...env, COMMAND: '' });
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/^error: COMMAND is not set: DevPod sets it/)]);
  });

  it('stops (find says exited), starts again, and deletes', async () => {
    expect((await cli(['native', 'stop'], env)).code).toBe(0);
    expect(JSON.parse((await cli(['native', 'find'], env)).stdout.toString()).State.Status).toBe('exited');
    expect((await cli(['native', 'start'], env)).code).toBe(0);
    expect(JSON.parse((await cli(['native', 'find'], env)).stdout.toString()).State.Status).toBe('running');
    expect((await cli(['native', 'delete'], env)).code).toBe(0);
    expect((await cli(['native', 'find'], env)).stdout.toString()).toBe('');
  });

  it('ends stopped, not restarted, when the devcontainer process exits (DevPod inactivity timeout)', async () => {
    const exiting = { ...runOptions, workspaceMount: undefined, entrypoint: '/bin/sh', cmd: ['-c', 'sleep 1; exit 0'] };
    expect((await cli(['native', 'run'], { ...env, DEVCONTAINER_RUN_OPTIONS: JSON.stringify(exiting) })).code).toBe(0);
    await expect
      .poll(async () => JSON.parse((await cli(['native', 'find'], env)).stdout.toString()).State.Status, { timeout: 20_000, interval: 500 })
      .toBe('exited');
    // This job reuses the ID of the one deleted above: Nomad before 1.7 still lists that purged instance's
    // allocations under the ID, so count this instance's only (created at or after the job).
    const { CreateIndex } = (await nomad.jobs.read(jobId)).data!;
    const allocs = (await nomad.jobs.allocations(jobId)).data.filter((a) => a.CreateIndex >= CreateIndex!);
    expect(allocs).toHaveLength(1);
    expect((await cli(['status'], { ...env, MACHINE_ID: `dc-${id}` })).stdout.toString()).toBe('Stopped\n');
    await nomad.jobs.purge(jobId);
  });

  it('refuses a Dockerfile build on a driver that does not run images, before submitting anything', async () => {
    const dockerless = { image: 'ghcr.io/loft-sh/dockerless:0.2.0', entrypoint: '/.dockerless/dockerless', cmd: ['start'] };
    const r = await cli(['native', 'run'], { ...env, DEVCONTAINER_ID: `${id}-df`, DEVCONTAINER_RUN_OPTIONS: JSON.stringify(dockerless) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /built from a Dockerfile, which DevPod does inside the task with its dockerless image; NOMAD_DRIVER=raw_exec does not run images/,
    );
    expect((await nomad.jobs.read(nativeJobId(`${id}-df`))).data).toBeUndefined();
  });

  it('refuses run without DevPod run options, and says why', async () => {
    const r = await cli(['native', 'run'], { ...env, DEVCONTAINER_RUN_OPTIONS: '{not json' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DEVCONTAINER_RUN_OPTIONS is not valid JSON/);
  });
});
