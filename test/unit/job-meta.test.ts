// Every meta key the provider writes is a valid environment variable name (Nomad exports each as NOMAD_META_<key>,
// and systemd-nspawn refuses a task whose names are not), on every driver and in both modes; jobs an earlier version
// wrote with dotted keys still read the same.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { buildWorkspaceJob } from '../../src/adapters/jobspec/workspace-job.js';
import { isEnvSafeKey, withoutWorkspaceMeta, workspaceMeta } from '../../src/adapters/nomad/workspace-meta.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { readDevcontainerMeta } from '../../src/native/meta.js';

const drivers = ['docker', 'podman', 'nspawn', 'exec', 'raw_exec'] as const;
const cfg = (driver: string) => loadConfig({ NOMAD_DRIVER: driver }, { cwd: '/' });

describe('job meta keys', () => {
  it.each(drivers)('are environment variable names on %s, in machine mode', (driver) => {
    const job = buildWorkspaceJob({ machineId: 'm.1', machineFolder: '/x', workspaceId: 'w', providerVersion: '0.2.0' }, cfg(driver));
    const keys = Object.keys(job.Meta ?? {});
    expect(keys.length).toBe(4);
    expect(keys.filter((k) => !isEnvSafeKey(k))).toEqual([]);
  });

  it.each(drivers)('are environment variable names on %s, natively, with labels whose names have dots', (driver) => {
    const labels = ['devcontainer.metadata=[{"remoteUser":"vscode"}]', 'dev.containers.id=abc', 'odd=a=b'];
    const job = buildDevcontainerJob(
      'abc',
      { image: 'img', user: 'vscode', labels, workspaceMount: { target: '/workspaces/x' } } as never,
      cfg(driver),
      {
        providerVersion: 'test',
      },
    );
    expect(Object.keys(job.Meta ?? {}).filter((k) => !isEnvSafeKey(k))).toEqual([]);
    expect(readDevcontainerMeta(job)).toEqual({
      labels: { 'devcontainer.metadata': '[{"remoteUser":"vscode"}]', 'dev.containers.id': 'abc', odd: 'a=b' },
      user: 'vscode',
      image: 'img',
      workdir: '/workspaces/x',
    });
  });

  it('tells names apart', () => {
    expect(['devpod_machine_id', '_x', 'A1'].every(isEnvSafeKey)).toBe(true);
    expect(['devpod.machine-id', '1a', 'a-b', '', 'a b'].some(isEnvSafeKey)).toBe(false);
  });
});

describe('jobs an earlier version made', () => {
  const legacy = { Meta: { 'devpod.machine-id': 'm', 'devpod.stop-reason': 'pull failed', team: 'a' } };

  it('read the same in the dotted form, the current key winning when both are there', () => {
    expect(workspaceMeta(legacy, 'machineId')).toBe('m');
    expect(workspaceMeta(legacy, 'stopReason')).toBe('pull failed');
    expect(workspaceMeta({ Meta: { 'devpod.machine-id': 'old', devpod_machine_id: 'new' } }, 'machineId')).toBe('new');
    expect(workspaceMeta({ Meta: null }, 'machineId')).toBeUndefined();
  });

  it('lose a key in both forms', () => {
    expect(withoutWorkspaceMeta({ ...legacy.Meta, devpod_stop_reason: 'x' }, 'stopReason')).toEqual({ 'devpod.machine-id': 'm', team: 'a' });
  });

  it('keep their devcontainer labels, user, image and working dir readable', () => {
    const job = {
      Meta: {
        'devcontainer.label.devcontainer.metadata': '[]',
        'devcontainer.user': 'root',
        'devcontainer.image': 'img',
        'devcontainer.workdir': '/w',
      },
    };
    expect(readDevcontainerMeta(job)).toEqual({ labels: { 'devcontainer.metadata': '[]' }, user: 'root', image: 'img', workdir: '/w' });
    expect(readDevcontainerMeta({ Meta: { devcontainer_labels: 'not json' } }).labels).toEqual({});
  });
});
