// The nspawn driver's side of the job and of `command`, pure or in real shells: the defaults a workspace needs to be
// exec'd into (boot, the node's network, a throwaway copy of the image), the trust refresh and the idle watch that
// commands start because no script of ours is the main process there, and what native mode refuses. The workspace
// itself, booted by nomad-driver-nspawn inside a systemd container, is test/integration/nspawn.test.ts.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { commandArgv } from '../../src/adapters/jobspec/drivers/index.js';
import { stopFileFor, withIdleWatch } from '../../src/adapters/jobspec/idle-stop.js';
import { buildWorkspaceJob } from '../../src/adapters/jobspec/workspace-job.js';
import { WorkspaceError } from '../../src/workspace/errors.js';
import { assertRunnable } from '../../src/native/run-options.js';

const cwd = mkdtempSync(join(tmpdir(), 'nspawn-cfg-'));
const made: string[] = [cwd];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const config = (env: Record<string, string> = {}) => loadConfig({ NOMAD_DRIVER: 'nspawn', NOMAD_IMAGE: '/var/lib/machines/debian', ...env }, { cwd });
const taskOf = (env: Record<string, string> = {}) =>
  buildWorkspaceJob({ machineId: 'nsp', providerVersion: 'test' }, config(env)).TaskGroups![0]!.Tasks[0]!;

describe('the nspawn task', () => {
  it("boots the image's systemd on the node's network, on a throwaway copy of the image, with no command", () => {
    expect(taskOf().Config).toEqual({ image: '/var/lib/machines/debian', boot: true, network_veth: false, ephemeral: true });
  });

  it('takes the person’s driver options over the defaults', () => {
    const c = taskOf({ NOMAD_NSPAWN_CONFIG_JSON: '{"ephemeral":false,"resolv_conf":"copy-host","network_veth":true}' }).Config;
    expect(c).toMatchObject({ boot: true, ephemeral: false, network_veth: true, resolv_conf: 'copy-host' });
  });

  it.each([
    ['volatile', '{"volatile":"overlay"}'],
    ['read_only', '{"read_only":true}'],
  ])('copies no image when %s already leaves it untouched', (_, json) => {
    expect(taskOf({ NOMAD_NSPAWN_CONFIG_JSON: json }).Config!.ephemeral).toBe(false);
  });

  it('binds the CA certificates read-only beside the person’s own read-only binds', () => {
    const c = taskOf({
      NOMAD_CA_CERTS: '/etc/ssl/a.crt:/usr/local/share/ca-certificates/a.crt',
      NOMAD_NSPAWN_CONFIG_JSON: '{"bind_read_only":{"/srv/x":"/x"}}',
    }).Config;
    expect(c!.bind_read_only).toEqual({ '/etc/ssl/a.crt': '/usr/local/share/ca-certificates/a.crt', '/srv/x': '/x' });
  });

  it('is a batch job with INACTIVITY_TIMEOUT, whose config still holds no script (commands start the watch)', () => {
    const job = buildWorkspaceJob({ machineId: 'nsp', providerVersion: 'test' }, config({ INACTIVITY_TIMEOUT: '30m' }));
    expect(job.Type).toBe('batch');
    expect(job.TaskGroups![0]!.Tasks[0]!.Config).not.toHaveProperty('command');
  });
});

/** A directory of stand-ins for the image's systemctl and systemd-run, which record how they were called. */
function systemdStandIns() {
  const dir = mkdtempSync(join(tmpdir(), 'nspawn-bin-'));
  made.push(dir);
  const log = join(dir, 'calls');
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> ${log}\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  // Not active: the first command of a boot. systemd-run keeps the watch's script for the test to run.
  stub('systemctl', 'exit 3');
  stub('systemd-run', `shift 2; printf '%s' "$3" > ${dir}/watch`);
  return { dir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''), watch: () => readFileSync(join(dir, 'watch'), 'utf8') };
}

describe('a command on nspawn', () => {
  const run = (argv: string[], path: string) =>
    spawnSync(argv[0]!, argv.slice(1), { env: { PATH: `${path}:${process.env.PATH}` }, encoding: 'utf8' });
  const ids: string[] = [];
  afterEach(() => {
    for (const id of ids.splice(0)) rmSync(stopFileFor(id), { force: true });
  });

  it('runs as given without CA certificates or INACTIVITY_TIMEOUT', () => {
    expect(commandArgv(config(), ['/bin/sh', '-c', 'echo hi'], 'm')).toEqual(['/bin/sh', '-c', 'echo hi']);
  });

  it('refreshes the trust store itself, once a boot (marked in /run), since no script of ours ran first', () => {
    const argv = commandArgv(config({ NOMAD_CA_CERTS: '/etc/ssl/a.crt' }), ['/bin/sh', '-c', 'echo "$0-$1" ran', 'a', 'b'], 'm');
    expect(argv[2]).toBe(
      '[ -e /run/devpod-trust-refreshed ] || { (update-ca-certificates || update-ca-trust) >/dev/null 2>&1; touch /run/devpod-trust-refreshed 2>/dev/null; }; exec "$@"',
    );
    // The command itself is passed on word for word.
    const r = run(argv, '/nonexistent');
    expect([r.stdout, r.status]).toEqual(['a-b ran\n', 0]);
  });

  it('starts the idle watch with INACTIVITY_TIMEOUT, which powers the container off once the stop file is newer', () => {
    const id = `nsp-idle-${process.pid}`;
    ids.push(id);
    const stubs = systemdStandIns();
    const argv = commandArgv(config({ INACTIVITY_TIMEOUT: '30m' }), ['/bin/sh', '-c', 'echo $(( 6 * 7 ))'], id);
    expect(argv).toEqual(withIdleWatch(id, ['/bin/sh', '-c', 'echo $(( 6 * 7 ))']));
    const r = run(argv, stubs.dir);
    expect([r.stdout, r.status]).toEqual(['42\n', 0]);
    expect(stubs.calls()).toMatch(/^systemctl is-active -q devpod-idle-watch\nsystemd-run -q --unit=devpod-idle-watch \/bin\/sh -c /);
    // systemd expands `$` in a transient unit's argv: the watch must hold none.
    const watch = stubs.watch();
    expect(watch).not.toContain('$');
    // The watch, run with the stop file already newer than its start mark, says why and powers off.
    const marked = watch.replace(/\/run\/devpod-started/g, join(stubs.dir, 'started'));
    writeFileSync(stopFileFor(id), '');
    const later = new Date(Date.now() + 5_000);
    utimesSync(stopFileFor(id), later, later);
    const w = run(['/bin/sh', '-c', marked], stubs.dir);
    expect(w.stderr).toMatch(/DevPod ran its inactivity shutdown/);
    expect(stubs.calls()).toMatch(/systemctl poweroff\n$/);
  });

  it('does not start a second watch while one runs', () => {
    const stubs = systemdStandIns();
    writeFileSync(join(stubs.dir, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${join(stubs.dir, 'calls')}\nexit 0\n`);
    const r = run(commandArgv(config({ INACTIVITY_TIMEOUT: '30m' }), ['/bin/true'], 'm'), stubs.dir);
    expect(r.status).toBe(0);
    expect(stubs.calls()).toBe('systemctl is-active -q devpod-idle-watch\n');
  });
});

describe('native mode on nspawn', () => {
  it('is refused before anything is submitted, naming the driver and what to use instead', () => {
    expect(() =>
      assertRunnable({ image: 'mcr.microsoft.com/devcontainers/base:debian', cmd: [] }, { driver: 'nspawn', allowPrivileged: false }),
    ).toThrow(WorkspaceError);
    expect(() => assertRunnable({ image: 'img', cmd: [] }, { driver: 'nspawn', allowPrivileged: false })).toThrow(
      "native mode cannot run on NOMAD_DRIVER=nspawn: DevPod hands it an OCI image with an entrypoint to run as the container's process, and the nspawn driver boots a systemd root filesystem instead. Use the machine provider (nomad) with nspawn, or NOMAD_DRIVER=docker or podman.",
    );
  });
});
