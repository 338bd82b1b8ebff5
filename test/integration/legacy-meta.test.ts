// Job meta keys are env-safe (NOMAD_META_<key> in every task; nspawn refused the dotted ones), and a workspace
// whose job an earlier version made with the dotted keys is still the same workspace: status, command, stop, start
// and delete work on it, through the built executable against the real agent.
import { afterAll, describe, expect, it } from 'vitest';
import { LEGACY_WORKSPACE_META, WORKSPACE_META } from '../../src/adapters/nomad/workspace-meta.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';

const nomad = sharedClient();
const machine = uniqueId('legacy-meta');
const env = devpodEnv(machine);
const jobId = `devpod-${machine}`;

afterAll(async () => {
  await nomad.jobs.purge(jobId).catch(() => undefined);
});

const status = async () => (await cli(['status'], env)).stdout.toString().trim();

describe('job meta keys', () => {
  it('gives the task every workspace key as an environment variable', async () => {
    const created = await cli(['create'], env);
    expect(created.code, created.stderr).toBe(0);
    const job = (await nomad.jobs.read(jobId)).data!;
    expect(Object.keys(job.Meta ?? {}).sort()).toEqual(
      [WORKSPACE_META.machineFolder, WORKSPACE_META.machineId, WORKSPACE_META.providerVersion].sort(),
    );
    const r = await cli(['command'], { ...env, COMMAND: 'printf %s "$NOMAD_META_devpod_machine_id"' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(machine);
  });

  it('still owns a job whose meta an earlier version wrote with dotted keys', async () => {
    const job = (await nomad.jobs.read(jobId)).data!;
    const legacy = Object.fromEntries(
      Object.entries(WORKSPACE_META).flatMap(([k, now]) => {
        const v = job.Meta?.[now];
        return v === undefined ? [] : [[LEGACY_WORKSPACE_META[k as keyof typeof WORKSPACE_META], v]];
      }),
    );
    expect(Object.keys(legacy)).toContain('devpod.machine-id');
    await nomad.jobs.register({ ...job, Meta: legacy });
    expect((await nomad.jobs.read(jobId)).data!.Meta).toEqual(legacy);
    await expect.poll(status, { timeout: 30_000 }).toBe('Running');

    const r = await cli(['command'], { ...env, COMMAND: 'echo still-mine' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('still-mine\n');

    expect((await cli(['stop'], env)).code).toBe(0);
    expect(await status()).toBe('Stopped');
    const started = await cli(['start'], env);
    expect(started.code, started.stderr).toBe(0);
    expect(await status()).toBe('Running');
    expect((await cli(['delete'], env)).code).toBe(0);
    expect(await status()).toBe('NotFound');
  });

  it('reads the stop cause an earlier version kept under its dotted key', async () => {
    const other = uniqueId('legacy-cause');
    const otherEnv = devpodEnv(other);
    expect((await cli(['create'], otherEnv)).code).toBe(0);
    const id = `devpod-${other}`;
    try {
      const job = (await nomad.jobs.read(id)).data!;
      await nomad.jobs.register({ ...job, Stop: true, Meta: { ...job.Meta, 'devpod.stop-reason': 'image pull failed (from 0.1.0)' } });
      await expect.poll(async () => (await cli(['status'], otherEnv)).stdout.toString().trim(), { timeout: 30_000 }).toBe('Stopped');
      expect((await cli(['status'], otherEnv)).stderr).toContain('image pull failed (from 0.1.0)');
      // start drops the kept cause in both forms, so a later stop does not still name it.
      expect((await cli(['start'], otherEnv)).code).toBe(0);
      const meta = (await nomad.jobs.read(id)).data!.Meta ?? {};
      expect(meta['devpod.stop-reason']).toBeUndefined();
      expect(meta[WORKSPACE_META.stopReason]).toBeUndefined();
    } finally {
      await cli(['delete'], otherEnv);
    }
  });
});
