// `describe`'s lines, from the facts it reads: what a person needs to see about a workspace, and never a secret.
import { describe, expect, it } from 'vitest';
import type { Allocation, NomadJob, NomadNode } from '../../src/adapters/nomad/types.js';
import { describeLines, type DescribeFacts } from '../../src/workspace/describe.js';

const SECRET = 's3cr3t-value';
const SUBMITTED = Date.UTC(2026, 11, 3, 9, 0, 0);

const dockerJob: NomadJob = {
  ID: 'devpod-ws',
  Region: 'global',
  Type: 'service',
  SubmitTime: SUBMITTED * 1e6,
  TaskGroups: [
    {
      Name: 'workspace',
      EphemeralDisk: { SizeMB: 300 },
      Volumes: { workspace: { Type: 'host', Source: 'devpod-workspaces', ReadOnly: false } },
      Tasks: [
        {
          Name: 'workspace',
          Driver: 'docker',
          Config: { image: 'ubuntu:22.04', auth: [{ username: 'me', password: SECRET }] },
          Env: { DB_PASSWORD: SECRET },
          Templates: [{ EmbeddedTmpl: `PASSWORD=${SECRET}` }],
          Resources: { CPU: 200, MemoryMB: 512, Devices: [{ Name: 'nvidia/gpu', Count: 1 }] },
          VolumeMounts: [{ Volume: 'workspace', Destination: '/workspaces' }],
        },
      ],
    },
  ],
};
const alloc: Allocation = {
  ID: '5f0c1e2a-0000-4000-8000-000000000001',
  JobID: 'devpod-ws',
  NodeID: 'n1',
  NodeName: 'client-1',
  ClientStatus: 'running',
  DesiredStatus: 'run',
  CreateIndex: 20,
  ModifyIndex: 21,
  CreateTime: (SUBMITTED + 1000) * 1e6,
  TaskStates: { workspace: { State: 'running', Failed: false, Restarts: 0, StartedAt: '2026-12-03T09:00:07.123456Z', FinishedAt: null } },
};
const node: NomadNode = {
  ID: 'n1',
  Name: 'client-1',
  Status: 'ready',
  HTTPAddr: '10.0.0.7:4646',
  Attributes: { 'unique.network.ip-address': '10.0.0.7' },
};

const running: DescribeFacts = {
  report: { status: 'Running', state: 'running', jobId: 'devpod-ws', allocId: alloc.ID, node: 'client-1', restarts: 0 },
  namespace: 'default',
  job: dockerJob,
  alloc,
  node,
};

describe('describeLines', () => {
  it('a running workspace: job and namespace, state since when, allocation on its node and address, driver and image, resources, volume', () => {
    expect(describeLines(running)).toEqual([
      'job:        devpod-ws (namespace default, region global, service)',
      'state:      Running (running) since 2026-12-03T09:00:07Z',
      `allocation: ${alloc.ID} on node client-1, address 10.0.0.7`,
      'driver:     docker, image ubuntu:22.04',
      'resources:  200 MHz CPU, 512 MB memory, 300 MB disk, 1 × nvidia/gpu',
      'volume:     host volume devpod-workspaces at /workspaces',
    ]);
  });

  it("shows nothing of the job's environment, templates or registry auth", () => {
    expect(describeLines(running).join('\n')).not.toContain(SECRET);
  });

  it('a stopped workspace: the reason, since the task finished, no allocation', () => {
    const lines = describeLines({
      report: { status: 'Stopped', state: 'stopped', jobId: 'devpod-ws', reason: 'job stopped after: 1 node without enough memory' },
      namespace: 'team',
      job: { ...dockerJob, Stop: true },
      alloc: { ...alloc, TaskStates: { workspace: { State: 'dead', Failed: false, Restarts: 0, FinishedAt: '2026-12-03T10:30:00Z' } } },
    });
    expect(lines.slice(0, 3)).toEqual([
      'job:        devpod-ws (namespace team, region global, service)',
      'state:      Stopped (stopped) since 2026-12-03T10:30:00Z',
      'reason:     job stopped after: 1 node without enough memory',
    ]);
    expect(lines.some((l) => l.startsWith('allocation:'))).toBe(false);
  });

  it('a workspace on its way up for too long: Stopped, with why, since its submission', () => {
    const lines = describeLines({
      report: {
        status: 'Stopped',
        state: 'pending',
        overdue: true,
        jobId: 'devpod-ws',
        reason: 'pending for longer than NOMAD_TIMEOUT (600 s), since 2026-12-03T09:00:00.000Z: evaluation 1a2b3c4d pending',
      },
      namespace: 'default',
      job: dockerJob,
    });
    expect(lines[1]).toBe('state:      Stopped (pending) since 2026-12-03T09:00:00Z');
    expect(lines[2]).toMatch(/^reason: +pending for longer than NOMAD_TIMEOUT/);
  });

  it('a node the token may not read: the address is unknown, and why', () => {
    const lines = describeLines({ ...running, node: undefined, nodeError: 'Permission denied' });
    expect(lines[2]).toBe(`allocation: ${alloc.ID} on node client-1 (address unknown: Permission denied)`);
  });

  it('a host-driver workspace with whole cores and no volume', () => {
    const job: NomadJob = {
      ...dockerJob,
      TaskGroups: [
        {
          Name: 'workspace',
          Tasks: [
            { Name: 'workspace', Driver: 'raw_exec', Config: { command: '/bin/sh' }, Resources: { Cores: 2, MemoryMB: 1024, MemoryMaxMB: 2048 } },
          ],
        },
      ],
    };
    expect(describeLines({ ...running, job }).slice(3)).toEqual([
      'driver:     raw_exec (no image: runs on the client host)',
      'resources:  2 cores, 1024 MB memory (up to 2048 MB)',
      "volume:     none (files live on the task's ephemeral disk)",
    ]);
  });

  it('no job: the state says so, and nothing more', () => {
    expect(
      describeLines({
        report: { status: 'NotFound', state: 'notFound', jobId: 'devpod-ws', reason: 'Nomad has no job "devpod-ws"' },
        namespace: 'default',
      }),
    ).toEqual(['job:        devpod-ws (namespace default)', 'state:      NotFound (notFound)', 'reason:     Nomad has no job "devpod-ws"']);
  });
});
