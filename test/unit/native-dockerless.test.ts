// The dockerless path of native mode without Nomad: the job `native run` builds from DevPod's dockerless run
// options (single.go getDockerlessRunOptions), what it refuses, and the restore script its task starts with, run by
// a real busybox sh.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { clearBuildInfoScript, restoreThenExec, stashPath } from '../../src/native/dockerless.js';
import { readDevcontainerMeta } from '../../src/native/meta.js';
import { assertRunnable, type RunOptions } from '../../src/native/run-options.js';

const config = (env: Record<string, string> = {}) =>
  loadConfig(
    { NOMAD_DRIVER: 'docker', NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'ws', NOMAD_VOLUME_MOUNT: '/workspaces', ...env },
    { cwd: mkdtempSync(join(tmpdir(), 'dockerless-')) },
  );

/** DevPod's dockerless run options, as skevetter v0.26.1 builds them. */
const dockerless: RunOptions = {
  image: 'registry.example/dockerless:0.2.0',
  user: 'root',
  entrypoint: '/.dockerless/dockerless',
  cmd: ['start', '--wait', '--entrypoint', '/.dockerless/bin/sh', '--cmd', '-c', '--cmd', 'echo Container started', '--user', 'dev'],
  env: {
    DOCKERLESS: 'true',
    DOCKERLESS_CONTEXT: '/workspaces/ws/.devcontainer',
    DOCKERLESS_DOCKERFILE: '/workspaces/ws/.devcontainer/.devpod-internal/Dockerfile',
  },
  capAdd: ['SYS_PTRACE'],
  init: true,
  labels: ['devcontainer.metadata=[]', 'devpod.user=dev'],
  mounts: [{ type: 'volume', source: 'dockerless-abc', target: '/workspaces/.dockerless' }],
  workspaceMount: { type: 'bind', source: '/home/me/ws', target: '/workspaces/ws' },
};

describe("native run's job for DevPod's dockerless builder", () => {
  const job = buildDevcontainerJob('abc', dockerless, config(), { providerVersion: '0.0.0' });
  const task = job.TaskGroups![0]!.Tasks[0]!;
  const c = task.Config as Record<string, unknown>;

  it("runs DevPod's entrypoint and command unchanged, after the restore script, as root", () => {
    expect(c.image).toBe(dockerless.image);
    expect(c.entrypoint).toEqual(['/.dockerless/bin/sh']);
    expect((c.args as string[]).slice(3)).toEqual([dockerless.entrypoint, ...dockerless.cmd!]);
    expect(task.User).toBe('root');
    expect(task.Env).toMatchObject(dockerless.env!);
  });

  it('passes init and capAdd on, and makes the build info volume a tmpfs of the task (no Docker volume left)', () => {
    expect(c.init).toBe(true);
    expect(c.cap_add).toEqual(['SYS_PTRACE']);
    expect(c.mount).toEqual([expect.objectContaining({ type: 'tmpfs', target: '/workspaces/.dockerless' })]);
    expect(JSON.stringify(task.Constraints ?? [])).not.toContain('docker.volumes');
  });

  it("records the build, where its info is kept and DevPod's labels for find", () => {
    expect(readDevcontainerMeta(job)).toMatchObject({
      labels: { 'devpod.user': 'dev' },
      dockerless: { stash: '/workspaces/.devpod-dockerless-abc', context: '/workspaces/ws/.devcontainer' },
    });
  });

  it('keeps no build info without a volume', () => {
    expect(stashPath('abc', config({ NOMAD_VOLUME_TYPE: 'none', NOMAD_VOLUME_SOURCE: '', NOMAD_VOLUME_MOUNT: '' }))).toBeUndefined();
  });
});

describe('what native run refuses', () => {
  it('a privileged devcontainer, by name, unless the person allows it', () => {
    expect(() => assertRunnable({ ...dockerless, privileged: true }, config())).toThrow(
      /asks for a privileged container \(devcontainer.json "privileged": true\).*NOMAD_ALLOW_PRIVILEGED=true in your own provider options/,
    );
    const allowed = config({ NOMAD_ALLOW_PRIVILEGED: 'true' });
    expect(() => assertRunnable({ ...dockerless, privileged: true }, allowed)).not.toThrow();
    const job = buildDevcontainerJob('abc', { ...dockerless, privileged: true }, allowed, { providerVersion: '0.0.0' });
    expect(job.TaskGroups![0]!.Tasks[0]!.Config!.privileged).toBe(true);
  });

  it('a Dockerfile build on exec or raw_exec', () => {
    expect(() => assertRunnable(dockerless, { driver: 'raw_exec', allowPrivileged: false })).toThrow(
      /built from a Dockerfile.*NOMAD_DRIVER=raw_exec does not run images/,
    );
  });
});

describe("the task's restore of DevPod's build info (busybox sh)", () => {
  const run = (stash: string, context: string) => {
    const { args } = restoreThenExec(stash, '/bin/echo', ['started']);
    return spawnSync('/bin/busybox', ['sh', ...args], { encoding: 'utf8', env: { DOCKERLESS_CONTEXT: context } });
  };

  it('copies the kept build info into the context when it is missing, then execs the entrypoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'restore-'));
    mkdirSync(join(dir, 'stash'));
    writeFileSync(join(dir, 'stash', 'Dockerfile-without-features'), 'FROM base\n');
    const r = run(join(dir, 'stash'), join(dir, 'ctx'));
    expect([r.status, r.stdout]).toEqual([0, 'started\n']);
    expect(r.stderr).toMatch(/restored DevPod's build info/);
    expect(readFileSync(join(dir, 'ctx', '.devpod-internal', 'Dockerfile-without-features'), 'utf8')).toBe('FROM base\n');
  });

  it('leaves a context that has it alone, and runs without a stash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'restore-'));
    mkdirSync(join(dir, 'ctx', '.devpod-internal'), { recursive: true });
    mkdirSync(join(dir, 'stash'));
    writeFileSync(join(dir, 'stash', 'old'), '');
    expect(run(join(dir, 'stash'), join(dir, 'ctx')).stderr).toBe('');
    expect(existsSync(join(dir, 'ctx', '.devpod-internal', 'old'))).toBe(false);
    expect(run(join(dir, 'none'), join(dir, 'other'))).toMatchObject({ status: 0, stdout: 'started\n', stderr: '' });
  });

  it("is cleared by native run before its copy: a restored older run's files do not stay beside this run's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'restore-'));
    mkdirSync(join(dir, 'stash'));
    writeFileSync(join(dir, 'stash', 'Dockerfile-with-features'), 'FROM old\n');
    expect(run(join(dir, 'stash'), join(dir, 'ctx')).status).toBe(0);
    const cleared = spawnSync('/bin/busybox', ['sh', '-c', clearBuildInfoScript(join(dir, 'ctx'))], { encoding: 'utf8' });
    expect(cleared.status).toBe(0);
    expect(existsSync(join(dir, 'ctx', '.devpod-internal'))).toBe(false);
    expect(existsSync(join(dir, 'ctx'))).toBe(true);
  });
});
