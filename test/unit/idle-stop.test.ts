// INACTIVITY_TIMEOUT's two halves, run in real shells: provider.yaml's shutdown command (what DevPod's daemon runs
// inside the workspace) and the workspace's main process that it ends. The devpod CLI proof is in
// test/integration/idle-stop.test.ts; here each rule of the hand-over is pinned down.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { KEEPALIVE } from '../../src/adapters/jobspec/drivers/index.js';
import { idleKeepAlive, SHUTDOWN_COMMAND, stopFileFor } from '../../src/adapters/jobspec/idle-stop.js';
import { buildWorkspaceJob } from '../../src/adapters/jobspec/workspace-job.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { ensureDebianPackages } from '../helpers/debian.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const provider = YAML.parse(readFileSync(join(ROOT, 'provider.yaml'), 'utf8'));
const ids: string[] = [];
const machine = (suffix: string) => {
  const id = `idle-${process.pid}-${suffix}`;
  ids.push(id);
  return id;
};

afterEach(() => {
  for (const id of ids.splice(0)) rmSync(stopFileFor(id), { force: true });
});

/** A PATH holding only busybox's applets, so `sh`, `tr` and `touch` are busybox's, as in an Alpine or busybox image. */
function busyboxPath(): string {
  ensureDebianPackages(['busybox-static']);
  const busybox = '/bin/busybox';
  const dir = mkdtempSync(join(tmpdir(), 'busybox-path-'));
  for (const applet of ['sh', 'tr', 'touch', 'printf']) symlinkSync(busybox, join(dir, applet));
  return dir;
}

/** SHUTDOWN_COMMAND as DevPod's daemon runs it (`sh -c`), with the variables DevPod puts in its environment. */
function shutdown(env: Record<string, string>, path = process.env.PATH ?? '') {
  return spawnSync('sh', ['-c', SHUTDOWN_COMMAND], { env: { PATH: path, ...env }, encoding: 'utf8' });
}

describe('provider.yaml', () => {
  it("declares INACTIVITY_TIMEOUT and hands it and our shutdown command to DevPod's agent", () => {
    expect(provider.options.INACTIVITY_TIMEOUT.description).toMatch(/without DevPod activity/);
    expect(provider.optionGroups.flatMap((g: { options: string[] }) => g.options)).toContain('INACTIVITY_TIMEOUT');
    expect(provider.agent.inactivityTimeout).toBe('${INACTIVITY_TIMEOUT}');
    expect(provider.agent.exec.shutdown).toBe(SHUTDOWN_COMMAND);
  });
});

describe('the shutdown command', () => {
  it("touches the machine's stop file when INACTIVITY_TIMEOUT is set", () => {
    const id = machine('set');
    const r = shutdown({ MACHINE_ID: id, INACTIVITY_TIMEOUT: '1m' });
    expect(r.status).toBe(0);
    expect(existsSync(stopFileFor(id))).toBe(true);
  });

  it('does nothing without INACTIVITY_TIMEOUT (DevPod would still run it after its default 20 minutes)', () => {
    const id = machine('unset');
    const r = shutdown({ MACHINE_ID: id, INACTIVITY_TIMEOUT: '' });
    expect(r.status).toBe(0);
    expect(existsSync(stopFileFor(id))).toBe(false);
  });

  it.each([
    ['the system sh', () => process.env.PATH ?? ''],
    ['busybox', busyboxPath],
  ])('names the file as the job does for any machine id (%s)', (_shell, path) => {
    const id = machine('Odd id/with spaces.and:colons');
    const r = shutdown({ MACHINE_ID: id, INACTIVITY_TIMEOUT: '30m' }, path());
    expect(r.stderr).toBe('');
    expect(existsSync(stopFileFor(id))).toBe(true);
    expect(stopFileFor(id)).toMatch(/^\/tmp\/devpod-nomad-[A-Za-z0-9_.-]+\.stop$/);
  });
});

describe("the workspace's main process with INACTIVITY_TIMEOUT", () => {
  /** idleKeepAlive(id) under sh, with a task directory of its own; resolves with its exit code and stderr. */
  function run(id: string) {
    const taskDir = mkdtempSync(join(tmpdir(), 'idle-task-'));
    const child = spawn('sh', ['-c', idleKeepAlive(id)], { env: { PATH: process.env.PATH, NOMAD_TASK_DIR: taskDir } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<{ code: number | null; stderr: string }>((done) => child.on('exit', (code) => done({ code, stderr })));
    const started = join(taskDir, '.devpod-started');
    const ready = async () => {
      while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));
    };
    return { child, exited, ready, started };
  }

  it('ends with exit 0 and says why once the shutdown has run', async () => {
    const id = machine('ends');
    const p = run(id);
    await p.ready();
    expect(shutdown({ MACHINE_ID: id, INACTIVITY_TIMEOUT: '1m' }).status).toBe(0);
    // Newer than the start: the same second counts only from the next touch, as DevPod's daemon repeats it.
    const later = new Date(Date.now() + 2000);
    utimesSync(stopFileFor(id), later, later);
    const { code, stderr } = await p.exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(/DevPod ran its inactivity shutdown/);
  }, 20_000);

  it('is not ended by a stop file from before it started, and exits 0 at once on SIGTERM (a Nomad stop)', async () => {
    const id = machine('stale');
    const past = new Date(Date.now() - 60_000);
    writeFileSync(stopFileFor(id), '');
    utimesSync(stopFileFor(id), past, past);
    const p = run(id);
    await p.ready();
    // One of its 5 s looks at the file, and a second.
    const early = await Promise.race([p.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 6_000))]);
    expect(early).toBe('running');
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  }, 20_000);
});

describe('the machine job', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'idle-cfg-'));
  const job = (env: Record<string, string>) => buildWorkspaceJob({ machineId: 'idle-job', providerVersion: 'test' }, loadConfig(env, { cwd }));

  it('is a batch job whose main process watches the stop file when INACTIVITY_TIMEOUT is set (no update block: Nomad refuses one on batch)', () => {
    const j = job({ INACTIVITY_TIMEOUT: '30m', NOMAD_CA_CERTS: '/etc/ssl/ca.crt' });
    expect(j.Type).toBe('batch');
    expect(j.TaskGroups![0]!).not.toHaveProperty('Update');
    const args = j.TaskGroups![0]!.Tasks[0]!.Config!.args as string[];
    expect(args[1]).toMatch(/update-ca-certificates/);
    expect(args[1]!.endsWith(idleKeepAlive('idle-job'))).toBe(true);
    // Nothing in it for Nomad to interpolate: it reads `${…}` in driver config as its own.
    expect(args[1]).not.toMatch(/\$\{/);
  });

  it('stays a service job that keeps running without it', () => {
    const j = job({});
    expect(j.Type).toBe('service');
    expect(j.TaskGroups![0]!.Update).toEqual({ MaxParallel: 0 });
    expect(j.TaskGroups![0]!.Tasks[0]!.Config!.args).toEqual(['-c', KEEPALIVE]);
  });

  it("is not carried into native mode, where INACTIVITY_TIMEOUT is DevPod's container timeout", () => {
    const dc = buildDevcontainerJob('abc', { image: 'img', cmd: [] }, loadConfig({ NOMAD_DRIVER: 'raw_exec', INACTIVITY_TIMEOUT: '30m' }, { cwd }), {
      providerVersion: 'test',
    });
    expect(JSON.stringify(dc)).not.toContain('.stop');
  });
});
