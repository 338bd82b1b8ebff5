// A CSI volume per workspace (NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN), end to end: one agent with the docker
// driver and a real Docker engine, a real CSI plugin (test/fixtures/csi-plugin) that the test runs as a Nomad plugin
// job, and every command through the built binary. What is proven is the provider and Nomad's own CSI machinery —
// create, claim, stage and publish, a file kept across stop/start, unpublish and unstage, delete, two workspaces
// apart, a refusal — the plugin is the smallest that does what a storage plugin does (a directory per volume).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { watchWorkspace } from '../../src/workspace/lifecycle/nomad-actors.js';
import { waitUntil } from '../../src/machines/wait.js';
import { startCsiPlugin, type CsiPlugin } from '../harness/csi-plugin.js';
import { dockerCli } from '../harness/docker-engine.js';
import { nomadBinary, startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';

const IMAGE = 'devpod-test/busybox:1';
const PLUGIN = 'devpod-test-csi';
const MiB = 1024 ** 2;
const work = mkdtempSync(join(tmpdir(), 'csi-plugin-'));
const docker = dockerCli(inject('dockerEndpoint'));
let agent: NomadAgent;
let nomad: NomadClient;
let plugin: CsiPlugin;

beforeAll(async () => {
  importImage(docker, busyboxRootfs(work), IMAGE);
  agent = await startNomadAgent({ dockerEndpoint: inject('dockerEndpoint') });
  nomad = clientFor(agent.address);
  // 1 GiB is the most this plugin gives a volume: the workspaces ask for 512 MB, the refused one for 2 GB.
  plugin = await startCsiPlugin(agent, { id: PLUGIN, capacityBytes: 1024 * MiB });
}, 300_000); // the plugin's first build, without Go's caches, took 157 s here

afterAll(async () => {
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

const env = (machine: string, extra: Record<string, string> = {}) =>
  devpodEnv(machine, {
    NOMAD_ADDR: agent.address,
    NOMAD_DRIVER: 'docker',
    NOMAD_IMAGE: IMAGE,
    NOMAD_TIMEOUT: '90s',
    NOMAD_VOLUME_TYPE: 'csi',
    NOMAD_VOLUME_PLUGIN: PLUGIN,
    NOMAD_VOLUME_SIZE: '512MB',
    ...extra,
  });

async function ok(args: string[], e: Record<string, string>): Promise<string> {
  const r = await cli(args, e);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

async function sh(e: Record<string, string>, command: string): Promise<string> {
  const r = await cli(['command'], { ...e, COMMAND: command });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString();
}

/** Host mount points of a volume: its staging and per-allocation bind mounts under the plugin's Nomad directory. */
const mountsOf = (volumeId: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.includes(`/csi/monolith/${PLUGIN}/`) && m.includes(`/${volumeId}/`));

const volumeDir = (jobId: string) => join(plugin.root, jobId);

/** The Docker container of the job's running allocation (Nomad names it <task>-<alloc id>). */
async function containerOf(jobId: string): Promise<{ Mounts: Array<{ Source: string; Destination: string; RW: boolean }> }> {
  const running = ((await nomad.jobs.allocations(jobId)).data ?? []).filter((a) => a.ClientStatus === 'running');
  expect(running).toHaveLength(1);
  return JSON.parse(docker(['inspect', `workspace-${running[0]!.ID}`]))[0];
}

/** Runs a job of the operator's that mounts the volume (as a team's backup job might); returns once it runs. */
async function holdVolume(volumeId: string): Promise<{ jobId: string; allocId: string }> {
  const jobId = uniqueId('csi-holder');
  await nomad.jobs.register({
    ID: jobId,
    Name: jobId,
    Type: 'service',
    Datacenters: ['*'],
    TaskGroups: [
      {
        Name: 'holder',
        Count: 1,
        ReschedulePolicy: { Attempts: 0, Unlimited: false },
        Volumes: { data: { Name: 'data', Type: 'csi', Source: volumeId, AccessMode: 'single-node-writer', AttachmentMode: 'file-system' } },
        Tasks: [
          {
            Name: 'holder',
            Driver: 'docker',
            Config: { image: IMAGE, command: '/bin/sleep', args: ['3600'] },
            VolumeMounts: [{ Volume: 'data', Destination: '/data' }],
            Resources: { CPU: 50, MemoryMB: 32 },
          },
        ],
      },
    ],
  });
  const actor = watchWorkspace(nomad, { jobId });
  try {
    await waitUntil(actor, 'running', 60_000);
  } finally {
    actor.stop();
  }
  const [alloc] = ((await nomad.jobs.allocations(jobId)).data ?? []).filter((x) => x.ClientStatus === 'running');
  return { jobId, allocId: alloc!.ID };
}

describe('a CSI volume per workspace, made by a real CSI plugin that runs as a Nomad plugin job', () => {
  const a = uniqueId('csi-a');
  const b = uniqueId('csi-b');
  const jobA = jobIdFor(a);
  const jobB = jobIdFor(b);

  afterAll(async () => {
    for (const m of [a, b]) await cli(['delete'], env(m)).catch(() => undefined);
  });

  it('nomad plugin status shows the plugin with a healthy controller and a healthy node', () => {
    const out = execFileSync(nomadBinary(), ['plugin', 'status', '-type', 'csi', PLUGIN], {
      encoding: 'utf8',
      env: { ...process.env, NOMAD_ADDR: agent.address },
    });
    expect(out).toMatch(/^Provider\s+= devpod-test\.csi\.local$/m);
    expect(out).toMatch(/^Controllers Healthy\s+= 1$/m);
    expect(out).toMatch(/^Nodes Healthy\s+= 1$/m);
  });

  it('create has the plugin make the volume, and the workspace container mounts it', async () => {
    const log = await ok(['create'], env(a));
    expect(log).toContain(`CSI volume ${jobA} created by plugin ${PLUGIN}, 0.5 GiB requested`);
    const vol = (await nomad.csiVolumes.read(jobA)).data as unknown as Record<string, unknown>;
    expect(vol).toMatchObject({
      ID: jobA,
      PluginID: PLUGIN,
      ExternalID: jobA,
      Capacity: 512 * MiB,
      Provider: 'devpod-test.csi.local',
      Schedulable: true,
    });
    expect(Object.keys(vol.WriteAllocs as object)).toHaveLength(1);
    expect(existsSync(volumeDir(jobA))).toBe(true);
    // Staged once, published into the allocation's directory, which Docker binds at NOMAD_VOLUME_MOUNT.
    expect(mountsOf(jobA).map((m) => m.split(`/csi/monolith/${PLUGIN}/`)[1]!.split('/')[0])).toEqual(['staging', 'per-alloc']);
    const mount = (await containerOf(jobA)).Mounts.find((m) => m.Destination === '/workspaces');
    expect(mount).toMatchObject({ RW: true });
    expect(mount!.Source).toBe(mountsOf(jobA)[1]);

    await sh(env(a), 'echo written-in-a > /workspaces/proof.txt');
    expect(readFileSync(join(volumeDir(jobA), 'proof.txt'), 'utf8')).toBe('written-in-a\n');
  });

  it('a file written in the workspace is still there after stop and start', async () => {
    await ok(['stop'], env(a));
    expect((await cli(['status'], env(a))).stdout.toString()).toBe('Stopped\n');
    await ok(['start'], env(a));
    expect(await sh(env(a), 'cat /workspaces/proof.txt')).toBe('written-in-a\n');
  });

  it('two workspaces get volumes of their own: a file in one is not in the other', async () => {
    await ok(['create'], env(b));
    expect(await sh(env(b), 'ls -A /workspaces')).toBe('');
    await sh(env(b), 'echo written-in-b > /workspaces/only-b.txt');
    expect(await sh(env(a), 'ls -A /workspaces')).toBe('proof.txt\n');
    expect(readFileSync(join(volumeDir(jobB), 'only-b.txt'), 'utf8')).toBe('written-in-b\n');
    expect(existsSync(join(volumeDir(jobA), 'only-b.txt'))).toBe(false);
  });

  it('delete unmounts the volume, has the plugin delete it, and deregisters it', async () => {
    await ok(['delete'], env(a));
    expect((await nomad.jobs.read(jobA)).data).toBeUndefined();
    expect((await nomad.csiVolumes.read(jobA)).data).toBeUndefined();
    expect(mountsOf(jobA)).toEqual([]);
    // The plugin refuses to delete a volume that is still mounted: its directory gone means unmounted first.
    expect(existsSync(volumeDir(jobA))).toBe(false);
  });

  it('NOMAD_VOLUME_KEEP=true: delete leaves the volume and its files, and the next create of the machine takes it up', async () => {
    const log = await ok(['delete'], env(b, { NOMAD_VOLUME_KEEP: 'true' }));
    expect(log).toContain(`volume ${jobB} kept (NOMAD_VOLUME_KEEP=true)`);
    expect((await nomad.jobs.read(jobB)).data).toBeUndefined();
    expect((await nomad.csiVolumes.read(jobB)).data).toMatchObject({ ID: jobB });
    expect(readFileSync(join(volumeDir(jobB), 'only-b.txt'), 'utf8')).toBe('written-in-b\n');

    expect(await ok(['create'], env(b))).toContain(`CSI volume ${jobB} exists; using it`);
    expect(await sh(env(b), 'cat /workspaces/only-b.txt')).toBe('written-in-b\n');
    await ok(['delete'], env(b, { NOMAD_VOLUME_KEEP: 'true' }));
  });

  it('delete leaves a volume another allocation still claims, says so, and deletes it once Nomad has released it', async () => {
    // Nomad 1.6 has the plugin delete a volume before it refuses a claimed one: the provider must not ask while claimed.
    const holder = await holdVolume(jobB);
    const r = await cli(['delete'], env(b, { NOMAD_TIMEOUT: '5s' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: CSI volume ${jobB} of workspace ${jobB} is still claimed by allocation ${holder.allocId} after NOMAD_TIMEOUT (5 s); ` +
        `Nomad releases a claim once the allocation has ended and the node plugin has unmounted the volume (nomad volume status ${jobB}). The volume was not deleted; run delete again later.\n`,
    );
    expect((await nomad.csiVolumes.read(jobB)).data).toMatchObject({ ID: jobB });
    expect(readFileSync(join(volumeDir(jobB), 'only-b.txt'), 'utf8')).toBe('written-in-b\n');

    // Stopped, the holder keeps its claim until its container is gone and the volume unmounted: delete waits for that.
    await nomad.jobs.purge(holder.jobId);
    expect(await ok(['delete'], env(b))).toContain(
      `CSI volume ${jobB} is still claimed by allocation ${holder.allocId.slice(0, 8)}; waiting until Nomad releases it`,
    );
    expect((await nomad.csiVolumes.read(jobB)).data).toBeUndefined();
    expect(mountsOf(jobB)).toEqual([]);
    expect(existsSync(volumeDir(jobB))).toBe(false);
  });
});

describe('a CSI plugin that refuses the volume', () => {
  it("create fails with the plugin's reason, exits non-zero, and registers nothing", async () => {
    const machine = uniqueId('csi-no');
    const jobId = jobIdFor(machine);
    const r = await cli(['create'], env(machine, { NOMAD_VOLUME_SIZE: '2GB' }));
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe(
      `error: the volume of workspace ${jobId} cannot be created: CSI plugin ${PLUGIN} refused it: ` +
        `unsupported capacity_range for volume "${jobId}": rpc error: code = OutOfRange desc = this plugin gives at most 1073741824 bytes per volume, 2147483648 were required ` +
        `(NOMAD_VOLUME_SIZE asks for 2 GiB). Nothing was registered.\n`,
    );
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
    expect((await nomad.csiVolumes.read(jobId)).data).toBeUndefined();
    expect(existsSync(volumeDir(jobId))).toBe(false);
  });
});
