// devcontainer.json's named volumes in native mode without Nomad: where each is kept (a folder of the workspace's
// Nomad volume, per devcontainer), what a repository may not write, the job `native run` builds, and the link script
// run by a real busybox sh over folders of this machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { LINK_SCRIPT, linkPrelude, linkScript, namedVolumePlan, type NamedVolume } from '../../src/native/named-volumes.js';
import type { RunOptions } from '../../src/native/run-options.js';
import { commandAs } from '../../src/native/user-switch.js';
import { describeIf } from '../harness/nomad-versions.js';

const config = (env: Record<string, string> = {}) =>
  loadConfig(
    { NOMAD_DRIVER: 'docker', NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'ws', NOMAD_VOLUME_MOUNT: '/workspaces', ...env },
    { cwd: mkdtempSync(join(tmpdir(), 'named-volumes-')) },
  );

/** The mounts Sindri's devcontainer.json gives DevPod (seed 002, "What Gets Generated"). */
const sindri: RunOptions = {
  image: 'registry.example/sindri:latest',
  user: 'developer',
  env: { HOME: '/alt/home/developer', WORKSPACE: '/alt/home/developer/workspace', INSTALL_PROFILE: 'fullstack' },
  mounts: [{ type: 'volume', source: 'dev_home', target: '/alt/home/developer' }],
  workspaceMount: { type: 'bind', source: '/home/me/sindri', target: '/workspaces/sindri' },
};
const withMount = (source: string, target: string): RunOptions => ({ ...sindri, mounts: [{ type: 'volume', source, target }] });

describe('where a named volume is kept', () => {
  it("is a folder of the workspace's own volume, per devcontainer: two workspaces naming dev_home get two folders", () => {
    const a = namedVolumePlan('ws-a-1234', sindri, config());
    const b = namedVolumePlan('ws-b-5678', sindri, config());
    expect(a).toEqual({
      volumes: [{ name: 'dev_home', target: '/alt/home/developer', folder: '/workspaces/.devpod-volumes/ws-a-1234/dev_home' }],
      notKept: [],
    });
    expect(b.volumes[0]!.folder).toBe('/workspaces/.devpod-volumes/ws-b-5678/dev_home');
  });

  it("leaves out DevPod's own dockerless build-info volume (a tmpfs of the task)", () => {
    const opts = { ...sindri, mounts: [...sindri.mounts!, { type: 'volume', source: 'dockerless-abc', target: '/workspaces/.dockerless' }] };
    expect(namedVolumePlan('x', opts, config()).volumes.map((v) => v.name)).toEqual(['dev_home']);
  });

  it('says why a volume is not kept: no workspace volume, a read-only one, a driver without an image', () => {
    expect(namedVolumePlan('x', sindri, config({ NOMAD_VOLUME_TYPE: '', NOMAD_VOLUME_SOURCE: '' }))).toEqual({
      volumes: [],
      notKept: [expect.stringMatching(/dev_home → \/alt\/home\/developer is not kept: .*there is none \(set NOMAD_VOLUME_TYPE\)/)],
    });
    expect(namedVolumePlan('x', sindri, config({ NOMAD_VOLUME_READ_ONLY: 'true' })).notKept).toEqual([
      expect.stringContaining('only a read-only one'),
    ]);
    expect(namedVolumePlan('x', sindri, config({ NOMAD_DRIVER: 'exec' })).notKept).toEqual([
      expect.stringContaining('NOMAD_DRIVER=exec runs no image'),
    ]);
  });

  it.each([
    ['../other-workspace', '/alt/home/developer', 'must be a volume name'],
    ['/var/lib/x', '/alt/home/developer', 'must be a volume name'],
    ['dev_home', 'alt/home', 'must be an absolute folder'],
    ['dev_home', '/', 'must be an absolute folder'],
    ['dev_home', '/home/../etc', 'without ".."'],
    ['dev_home', '/workspaces', "is the workspace's volume"],
    ['dev_home', '/workspaces/other', "is the workspace's volume"],
    ['dev_home', '/proc/self', '/proc belongs to'],
    ['dev_home', '/local', '/local belongs to'],
    ['dev_home', '/usr', '/usr belongs to'],
    ['dev_home', '/.dockerless/bin', '/.dockerless belongs to'],
  ])('refuses source=%s target=%s from the repository, naming the mounts entry', (source, target, why) => {
    expect(() => namedVolumePlan('x', withMount(source, target), config())).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(new RegExp(`devcontainer.json "mounts" entry source=.*${why.replace(/[.()/]/g, '\\$&')}`)),
      }),
    );
  });

  it('takes a volume below a system folder (it replaces the target only)', () => {
    expect(namedVolumePlan('x', withMount('cargo', '/usr/local/cargo/'), config()).volumes).toEqual([
      { name: 'cargo', target: '/usr/local/cargo', folder: '/workspaces/.devpod-volumes/x/cargo' },
    ]);
  });
});

describe("native run's job for a devcontainer with a named volume", () => {
  const job = buildDevcontainerJob('ws-a-1234', sindri, config(), { providerVersion: '0.0.0' });
  const task = job.TaskGroups![0]!.Tasks[0]!;

  it('carries the link script in the task directory, and no Docker volume nor its constraint', () => {
    const templates = task.Templates as Array<Record<string, unknown>>;
    const link = templates.find((t) => t.DestPath === `local/${LINK_SCRIPT}`)!;
    expect(link).toMatchObject({ Perms: '0755', ChangeMode: 'noop' });
    expect(link.EmbeddedTmpl).toContain("'/alt/home/developer' '/workspaces/.devpod-volumes/ws-a-1234/dev_home'");
    expect(link.EmbeddedTmpl).not.toContain('{{');
    expect(link.EmbeddedTmpl).not.toContain('${');
    expect((task.Config as Record<string, unknown>).mount).toBeUndefined();
    expect(JSON.stringify(task.Constraints ?? [])).not.toContain('docker.volumes');
  });

  it('carries no script without a named volume', () => {
    const none = buildDevcontainerJob('ws', { ...sindri, mounts: [] }, config(), { providerVersion: '0.0.0' });
    expect(JSON.stringify(none.TaskGroups![0]!.Tasks[0]!.Templates ?? [])).not.toContain(LINK_SCRIPT);
  });

  it('refuses a bad mounts entry before a job exists', () => {
    expect(() => buildDevcontainerJob('ws', withMount('../x', '/home'), config(), { providerVersion: '0.0.0' })).toThrow(/must be a volume name/);
  });
});

const busybox = spawnSync('busybox', ['true']).status === 0;

describeIf(busybox, 'busybox is not installed (apt-get install busybox-static; .ci/run does)')('the link script, run by busybox sh', () => {
  /** A container root and a workspace volume as folders of this machine; the script run with its marker in the root. */
  function setup() {
    const root = mkdtempSync(join(tmpdir(), 'link-'));
    const home = join(root, 'alt', 'home', 'developer');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, '.profile'), 'from the image\n', { mode: 0o640 });
    const volumes: NamedVolume[] = [
      { name: 'dev_home', target: home, folder: join(root, 'workspaces', '.devpod-volumes', 'id', 'dev_home') },
      { name: 'cache', target: join(root, 'var', 'cache', 'app'), folder: join(root, 'workspaces', '.devpod-volumes', 'id', 'cache') },
    ];
    const marker = join(root, '.devpod-volumes-linked');
    const script = join(root, 'devpod-volumes.sh');
    const write = (dockerless = false) => writeFileSync(script, linkScript(volumes, dockerless, marker));
    write();
    const run = () => spawnSync('busybox', ['sh', script], { encoding: 'utf8' });
    return { root, home, volumes, marker, script, write, run };
  }

  it("links each target to its folder, the image's content copied in the first time, modes kept", () => {
    const { root, home, volumes, marker, run } = setup();
    const r = run();
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(readlinkSync(home)).toBe(volumes[0]!.folder);
    expect(readFileSync(join(home, '.profile'), 'utf8')).toBe('from the image\n');
    expect(statSync(join(volumes[0]!.folder, '.profile')).mode & 0o777).toBe(0o640);
    // A target the image does not have is made, empty, as Docker makes it.
    expect(lstatSync(volumes[1]!.target).isSymbolicLink()).toBe(true);
    expect(existsSync(marker)).toBe(true);
    rmSync(root, { recursive: true, force: true });
  });

  it("in a new container, links the kept folder again and leaves what was written there (not the image's copy)", () => {
    const { root, home, volumes, marker, run } = setup();
    expect(run().status).toBe(0);
    writeFileSync(join(home, '.profile'), 'written in the workspace\n');
    writeFileSync(join(home, 'notes'), 'kept\n');
    // A new container: the image's folder again, no marker.
    rmSync(home);
    rmSync(marker);
    mkdirSync(home);
    writeFileSync(join(home, '.profile'), 'from the image\n');
    expect(run().status).toBe(0);
    expect(readlinkSync(home)).toBe(volumes[0]!.folder);
    expect(readFileSync(join(home, '.profile'), 'utf8')).toBe('written in the workspace\n');
    expect(readFileSync(join(home, 'notes'), 'utf8')).toBe('kept\n');
    rmSync(root, { recursive: true, force: true });
  });

  it('does nothing once linked in this container, and two at once link once', async () => {
    const { root, home, script, run } = setup();
    const both = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number | null>((resolve) => {
            spawn('busybox', ['sh', script], { stdio: 'ignore' }).on('exit', resolve);
          }),
      ),
    );
    expect(both).toEqual([0, 0]);
    expect(lstatSync(home).isSymbolicLink()).toBe(true);
    rmSync(home);
    mkdirSync(home);
    expect(run().status).toBe(0);
    expect(lstatSync(home).isDirectory()).toBe(true);
    rmSync(root, { recursive: true, force: true });
  });

  it('for a devcontainer DevPod builds in the task, waits for the build (no link in the bare builder)', () => {
    const { root, home, marker, write, run } = setup();
    write(true);
    expect(run().status).toBe(0);
    expect(lstatSync(home).isDirectory()).toBe(true);
    expect(existsSync(marker)).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });

  it('says on stderr which volume it could not link, exits non-zero, and tries again at the next command', () => {
    const { root, volumes, marker, run } = setup();
    // The folder's parent is a file: the folder cannot be made.
    mkdirSync(join(root, 'workspaces'), { recursive: true });
    writeFileSync(join(root, 'workspaces', '.devpod-volumes'), '');
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not link volume dev_home at ${volumes[0]!.target}`);
    // Not marked as linked: the next command tries again, and links once the cause is gone.
    expect(existsSync(marker)).toBe(false);
    rmSync(join(root, 'workspaces', '.devpod-volumes'));
    expect(run().status).toBe(0);
    expect(lstatSync(volumes[0]!.target).isSymbolicLink()).toBe(true);
    expect(existsSync(marker)).toBe(true);
    rmSync(root, { recursive: true, force: true });
  });

  it("runs before DevPod's command in `native command`'s shell, and DevPod's command still runs and keeps its exit code", () => {
    const { root, home, script } = setup();
    // The node's /bin/sh here: in the container it is the image's `sh`.
    const argv = commandAs('', 'echo "$HOME"; exit 3', '/bin/sh', linkPrelude);
    const taskDir = join(root, 'task');
    mkdirSync(taskDir);
    writeFileSync(join(taskDir, LINK_SCRIPT), readFileSync(script));
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, NOMAD_TASK_DIR: taskDir, HOME: '/h' } });
    expect([r.status, r.stdout]).toEqual([3, '/h\n']);
    expect(lstatSync(home).isSymbolicLink()).toBe(process.getuid?.() === 0);
    rmSync(root, { recursive: true, force: true });
  });
});
