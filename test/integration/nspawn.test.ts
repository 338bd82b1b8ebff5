// Machine mode on nomad-driver-nspawn v0.10.0, for real: a Debian systemd root booted by the driver inside a systemd
// container the harness boots (test/harness/nspawn-host.ts), run by the released linux-amd64 executable — created,
// exec'd into byte-exact with exit codes and stdin's end, stopped, started with its files on a host volume, stopped
// by DevPod's inactivity shutdown, deleted — and a start that cannot work ends with Nomad's reason. Where the
// systemd container cannot boot, every test here is reported as not run, by name and reason.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stopFileFor } from '../../src/adapters/jobspec/idle-stop.js';
import { startNspawnHost, type NspawnHost } from '../harness/nspawn-host.js';
import { describeIf } from '../harness/nomad-versions.js';
import { cli as runCli, devpodEnv } from '../helpers/cli.js';
import { uniqueId } from '../helpers/jobs.js';
import { release } from '../helpers/release.js';

const work = mkdtempSync(join(tmpdir(), 'nspawn-test-'));
const started = await startNspawnHost().then(
  (host) => ({ host, why: undefined }),
  (err: unknown) => ({ host: undefined, why: `the systemd container for nomad-driver-nspawn cannot boot here: ${String(err).split('\n')[0]}` }),
);
const host = started.host as NspawnHost;
let bin: string | undefined;

/** The released executable, as DevPod runs it (built on first use). */
const cli = (args: string[], env: Record<string, string>, stdin?: Buffer | string) => {
  if (!bin) {
    release('linux-amd64', join(work, 'release'));
    bin = join(work, 'release', 'devpod-provider-nomad-linux-amd64');
  }
  return runCli(args, env, stdin, { bin });
};

afterAll(async () => {
  await host?.stop();
  rmSync(work, { recursive: true, force: true });
});

const envFor = (machine: string, extra: Record<string, string> = {}) =>
  devpodEnv(machine, {
    NOMAD_ADDR: host?.address ?? '',
    NOMAD_DRIVER: 'nspawn',
    NOMAD_IMAGE: host?.image ?? '',
    NOMAD_MEMORYMB: '256',
    NOMAD_CPU: '200',
    NOMAD_TIMEOUT: '120s',
    ...extra,
  });

describeIf(started.why === undefined, started.why ?? '')('machine mode on the nspawn driver (a booted systemd image)', () => {
  const machine = uniqueId('nsp');
  const env = () => envFor(machine, { NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: host.volume, NOMAD_VOLUME_MOUNT: '/workspaces' });

  afterAll(async () => {
    await cli(['delete'], env());
  });

  it("create boots the image's systemd and returns once it takes commands", async () => {
    const r = await cli(['create'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/running on node/);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Running\n');
    // At once after create: the driver's exec (systemd-run --machine) needs the container's D-Bus up.
    const pid1 = await cli(['command'], { ...env(), COMMAND: 'cat /proc/1/cmdline | tr "\\0" " "' });
    expect([pid1.stdout.toString(), pid1.code]).toEqual(['/usr/lib/systemd/systemd ', 0]);
  });

  it('command keeps stdout and stderr apart and passes the exit code on', async () => {
    const r = await cli(['command'], { ...env(), COMMAND: 'printf out; echo err >&2; exit 42' });
    expect([r.stdout.toString(), r.stderr, r.code]).toEqual(['out', 'err\n', 42]);
    expect((await cli(['command'], { ...env(), COMMAND: 'exit 0' })).code).toBe(0);
  });

  it('returns every byte of a 4 MiB cat, and passes stdin’s end on', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const cat = await cli(['command'], { ...env(), COMMAND: 'cat' }, data);
    expect(cat.code).toBe(0);
    expect(createHash('sha256').update(cat.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const wc = await cli(['command'], { ...env(), COMMAND: 'wc -c' }, 'abc');
    expect([wc.stdout.toString().trim(), wc.code]).toEqual(['3', 0]);
    expect((await cli(['command'], { ...env(), COMMAND: 'cat; echo end' })).stdout.toString()).toBe('end\n');
  });

  it('stop ends the machine, start boots a new one with the files on the volume, delete leaves nothing', async () => {
    expect((await cli(['command'], { ...env(), COMMAND: 'echo kept > /workspaces/f && echo gone > /root/g' })).code).toBe(0);
    expect((await cli(['stop'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Stopped\n');
    expect(host.run(['machinectl', 'list', '--no-legend'])).not.toMatch(/workspace-/);

    expect((await cli(['start'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('Running\n');
    expect((await cli(['command'], { ...env(), COMMAND: 'cat /workspaces/f' })).stdout.toString()).toBe('kept\n');
    // The root was a throwaway copy: the image itself is unchanged.
    expect((await cli(['command'], { ...env(), COMMAND: 'test -e /root/g; echo $?' })).stdout.toString()).toBe('1\n');

    expect((await cli(['delete'], env())).code).toBe(0);
    expect((await cli(['status'], env())).stdout.toString()).toBe('NotFound\n');
    expect(host.run(['machinectl', 'list', '--no-legend'])).not.toMatch(/workspace-/);
  });

  it('ends stopped when DevPod runs its inactivity shutdown (INACTIVITY_TIMEOUT): the watch powers the machine off', async () => {
    const idle = uniqueId('nsp-idle');
    const e = envFor(idle, { INACTIVITY_TIMEOUT: '30m' });
    try {
      expect((await cli(['create'], e)).code).toBe(0);
      expect((await cli(['command'], { ...e, COMMAND: 'systemctl is-active devpod-idle-watch' })).stdout.toString()).toBe('active\n');
      // What provider.yaml's shutdown command does inside the workspace, a moment after the watch started.
      const touch = `sleep 1; touch ${stopFileFor(idle)}`;
      expect((await cli(['command'], { ...e, COMMAND: touch })).code).toBe(0);
      let status = '';
      for (let i = 0; i < 60 && status !== 'Stopped\n'; i++) {
        status = (await cli(['status'], e)).stdout.toString();
        if (status !== 'Stopped\n') await new Promise((r) => setTimeout(r, 500));
      }
      expect(status).toBe('Stopped\n');
    } finally {
      await cli(['delete'], e);
    }
  });

  it("a start that cannot work (no such image) ends with Nomad's reason and a non-zero exit, never a hang", async () => {
    const bad = uniqueId('nsp-bad');
    const e = envFor(bad, { NOMAD_IMAGE: '/var/lib/machines/no-such-image', NOMAD_TIMEOUT: '60s' });
    try {
      const r = await cli(['create'], e);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/cannot run: .*failed to gather image path: No image '\/var\/lib\/machines\/no-such-image' known/);
    } finally {
      await cli(['delete'], e);
    }
  });
});
