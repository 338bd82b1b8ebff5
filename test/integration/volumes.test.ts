// A volume per workspace, created and removed by the provider (NOMAD_VOLUME_TYPE=dynamic): on a secure cluster of two
// clients with real Docker containers, every command run through the binary with a token made from the shipped
// policy with its volume lines switched on. What Nomad holds is read with the management token, and what the volume
// holds is read from the client's disk as well as from inside the workspace.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { NomadClient } from '../../src/adapters/nomad/client.js';
import { resolveConnection } from '../../src/adapters/nomad/connection.js';
import type { Allocation, HostVolume } from '../../src/adapters/nomad/types.js';
import { nativeJobId } from '../../src/native/devcontainer.js';
import type { Workspace } from '../../src/workspace/types.js';
import { ensureWorkspaceVolume, removeWorkspaceVolume } from '../../src/workspace/volume.js';
import type { SecureCluster } from '../harness/nomad-cluster.js';
import { describeOnNomad, nomadHas } from '../harness/nomad-versions.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { startRecordingProxy } from '../helpers/recording-proxy.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';
import { IMAGE, SHIPPED_POLICY, startProviderCluster, type ProviderCluster } from '../helpers/provider-cluster.js';
import { policyWithVolumeRules } from '../helpers/volume-policy.js';

let setup: ProviderCluster;
let cluster: SecureCluster;
/** A client token with the shipped policy and its host-volume-create/-delete and host_volume "devpod-*" lines on. */
let token: string;

/** Dynamic host volumes came with Nomad 1.10; on an older harness Nomad the blocks below are reported as not run. */
const DYNAMIC_VOLUMES = { since: [1, 10, 0] as [number, number, number], feature: 'dynamic host volumes' };
const onDynamic = describeOnNomad(DYNAMIC_VOLUMES);

beforeAll(async () => {
  if (!nomadHas(DYNAMIC_VOLUMES)) return;
  setup = await startProviderCluster();
  cluster = setup.cluster;
  token = await cluster.tokenFor('devpod-volumes', policyWithVolumeRules(SHIPPED_POLICY, ['host-volume-create', 'host-volume-delete']));
}, 180_000);

afterAll(async () => {
  // Whatever a failed test left: jobs first (a volume in use cannot be deleted), then the volumes.
  for (const job of (await cluster?.api<Array<{ ID: string }>>('GET', '/v1/jobs?prefix=devpod-').catch(() => [])) ?? []) {
    await cluster.api('DELETE', `/v1/job/${job.ID}?purge=true`).catch(() => undefined);
  }
  await setup?.stop();
});

const DYNAMIC = { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_MOUNT: '/workspaces', NOMAD_VOLUME_SIZE: '1GB' };
const env = (machine: string, extra: Record<string, string> = {}) =>
  setup.env(machine, { NOMAD_TOKEN: token, NOMAD_TIMEOUT: '90s', ...DYNAMIC, ...extra });

const volumesNamed = async (name: string) => (await cluster.api<HostVolume[]>('GET', '/v1/volumes?type=host')).filter((v) => v.Name === name);
const volumeById = (id: string) => cluster.api<HostVolume>('GET', `/v1/volume/host/${id}`);
async function runningAlloc(jobId: string): Promise<Allocation> {
  const allocs = await cluster.api<Allocation[]>('GET', `/v1/job/${jobId}/allocations`);
  const running = allocs.filter((a) => a.ClientStatus === 'running');
  expect(running).toHaveLength(1);
  return running[0]!;
}
async function sh(e: Record<string, string>, command: string): Promise<string> {
  const r = await cli(['command'], { ...e, COMMAND: command });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString();
}
async function ok(args: string[], e: Record<string, string>): Promise<string> {
  const r = await cli(args, e);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

onDynamic('init with NOMAD_VOLUME_TYPE=dynamic', () => {
  it('names what the shipped policy lacks for it, and accepts the policy with its volume lines on', async () => {
    const r = await cli(['init'], env(uniqueId('vol-init'), { NOMAD_TOKEN: setup.token }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'the token in NOMAD_TOKEN lacks what these options need:\n' +
        '  - "host-volume-create" in namespace "default" (create with NOMAD_VOLUME_TYPE=dynamic makes the workspace\'s volume, and reads it until it is ready)\n' +
        '  - "host-volume-delete" in namespace "default" (delete with NOMAD_VOLUME_TYPE=dynamic removes the workspace\'s volume; policy = "write" does not include it)\n' +
        '  - host_volume "devpod-*" policy "write" (NOMAD_VOLUME_TYPE=dynamic: the workspace job mounts its volume, named after the job)\n',
    );
    const good = await cli(['init'], env(uniqueId('vol-init'), { DEVPOD_DEBUG: 'true' }));
    expect(good.stderr).toMatch(/the token has every capability the options need/);
    expect(good.code).toBe(0);
  });
});

onDynamic('a dynamic host volume per workspace (machine mode, docker)', () => {
  const machine = uniqueId('vol');
  const jobId = jobIdFor(machine);
  let volume: HostVolume;

  it('plan, before create, says create makes the volume first and plans the job without it', async () => {
    const r = await cli(['plan'], env(machine));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toContain(
      `volume: ${jobId} does not exist yet; create makes it first (a dynamic host volume of plugin mkdir, 1 GiB), so the placement below leaves it out\nplacement: would place 1 allocation(s)\n`,
    );
    expect(r.stdout.toString()).toContain(`"Source": "${jobId}"`);
    expect(await volumesNamed(jobId)).toEqual([]);
  });

  it('create makes a ready volume named after the workspace, with the size asked, and runs the job on its node', async () => {
    const log = await ok(['create'], env(machine));
    expect(log).toMatch(new RegExp(`volume ${jobId} \\(\\w{8}\\) created by plugin mkdir on node \\w{8}, 1 GiB requested`));
    expect(log).toMatch(new RegExp(`volume ${jobId} ready at /\\S+/host_volumes/`));
    const [only, ...more] = await volumesNamed(jobId);
    expect(more).toEqual([]);
    volume = await volumeById(only!.ID);
    expect(volume).toMatchObject({
      Name: jobId,
      PluginID: 'mkdir',
      State: 'ready',
      RequestedCapacityMinBytes: 1024 ** 3,
      RequestedCapacityMaxBytes: 1024 ** 3,
    });
    expect((await runningAlloc(jobId)).NodeID).toBe(volume.NodeID);
  });

  it('plan, after create, says the volume exists and create uses it', async () => {
    const r = await cli(['plan'], env(machine));
    expect(r.stdout.toString()).toContain(`volume: ${jobId} exists on node ${volume.NodeID.slice(0, 8)} (ready); create uses it\n`);
  });

  it("a file written through command lands in the volume on the client's disk", async () => {
    await sh(env(machine), 'echo "kept across stop/start" > /workspaces/note.txt');
    expect(readFileSync(join(volume.HostPath!, 'note.txt'), 'utf8')).toBe('kept across stop/start\n');
  });

  it('stop and start keep the volume, and the file, on the same node', async () => {
    await ok(['stop'], env(machine));
    expect((await volumeById(volume.ID)).State).toBe('ready');
    await ok(['start'], env(machine));
    expect((await runningAlloc(jobId)).NodeID).toBe(volume.NodeID);
    expect(await sh(env(machine), 'cat /workspaces/note.txt')).toBe('kept across stop/start\n');
  });

  it('delete removes the job, then the volume and its directory', async () => {
    const log = await ok(['delete'], env(machine));
    expect(log).toMatch(new RegExp(`volume ${jobId} \\(${volume.ID.slice(0, 8)}\\) deleted from node`));
    expect((await cli(['status'], env(machine))).stdout.toString()).toBe('NotFound\n');
    expect(await volumesNamed(jobId)).toEqual([]);
    expect(existsSync(volume.HostPath!)).toBe(false);
  });

  it('a second delete finds nothing to remove and succeeds', async () => {
    expect((await cli(['delete'], env(machine))).code).toBe(0);
  });
});

onDynamic('on the exec driver', () => {
  const machine = uniqueId('vol-exec');
  const jobId = jobIdFor(machine);
  const e = () => env(machine, { NOMAD_DRIVER: 'exec', NOMAD_MEMORYMB: '128' });

  it('the volume is made on a node with the exec driver, mounted, written to and removed', async () => {
    await ok(['create'], e());
    const [volume] = await volumesNamed(jobId);
    expect((await volumeById(volume!.ID)).Constraints).toContainEqual({ LTarget: '${attr.driver.exec}', Operand: 'is_set', RTarget: '' });
    expect((await runningAlloc(jobId)).NodeID).toBe(volume!.NodeID);
    await sh(e(), 'echo exec > /workspaces/exec.txt');
    const hostPath = (await volumeById(volume!.ID)).HostPath!;
    expect(readFileSync(join(hostPath, 'exec.txt'), 'utf8')).toBe('exec\n');
    await ok(['delete'], e());
    expect(await volumesNamed(jobId)).toEqual([]);
    expect(existsSync(hostPath)).toBe(false);
  }, 120_000);
});

onDynamic('two workspaces', () => {
  const machines = [uniqueId('vol-a'), uniqueId('vol-b')];

  it("each gets its own volume and never sees the other's files", async () => {
    await Promise.all(machines.map((m) => ok(['create'], env(m))));
    for (const m of machines) await sh(env(m), `echo ${m} > /workspaces/${m}.txt`);
    for (const m of machines) expect(await sh(env(m), 'ls /workspaces')).toBe(`${m}.txt\n`);
    const [a, b] = await Promise.all(machines.map(async (m) => (await volumesNamed(jobIdFor(m)))[0]!));
    expect(a!.ID).not.toBe(b!.ID);
    for (const m of machines) expect((await runningAlloc(jobIdFor(m))).NodeID).toBe((await volumesNamed(jobIdFor(m)))[0]!.NodeID);
    await Promise.all(machines.map((m) => ok(['delete'], env(m))));
    for (const m of machines) expect(await volumesNamed(jobIdFor(m))).toEqual([]);
  }, 180_000);
});

onDynamic('two creates of one machine at once', () => {
  const machine = uniqueId('vol-twice');
  const jobId = jobIdFor(machine);

  it('both succeed with one volume, which the job runs on, and one delete removes it', async () => {
    const runs = await Promise.all([cli(['create'], env(machine)), cli(['create'], env(machine))]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    process.stderr.write(
      `[volumes] two creates at once:\n${runs
        .map((r) =>
          r.stderr
            .split('\n')
            .filter((l) => l.includes('volume'))
            .join('\n'),
        )
        .join('\n--\n')}\n`,
    );
    const volumes = await volumesNamed(jobId);
    expect(volumes).toHaveLength(1);
    expect((await runningAlloc(jobId)).NodeID).toBe(volumes[0]!.NodeID);
    await ok(['delete'], env(machine));
    expect(await volumesNamed(jobId)).toEqual([]);
  }, 120_000);
});

onDynamic('two creates of one machine at the same moment (in one process, so both look before either makes one)', () => {
  const cases: [string, () => { address: Record<string, string>; nomad: NomadClient }][] = [
    [
      'on two nodes',
      () => ({ address: { ...cluster.tlsEnv(), NOMAD_TOKEN: token }, nomad: new NomadClient(resolveConnection(cluster.tlsEnv(), { token })) }),
    ],
    ['on one node', () => ({ address: { NOMAD_ADDR: inject('nomadAddr') }, nomad: sharedClient() })],
  ];
  it.each(cases)('%s: both end with the same ready volume, and one removal leaves none', async (where, target) => {
    const { address, nomad } = target();
    const machine = uniqueId('vol-race');
    const jobId = jobIdFor(machine);
    const lines: string[] = [];
    const config = loadConfig({ ...address, NOMAD_DRIVER: 'exec', NOMAD_TIMEOUT: '60s', NOMAD_VOLUME_TYPE: 'dynamic' }, { cwd: tmpdir() });
    const ws: Workspace = { nomad, config, jobId, machineId: machine, log: (l) => lines.push(l) };
    const named = async () => ((await nomad.hostVolumes.list()).data ?? []).filter((v) => v.Name === jobId);
    await Promise.all([ensureWorkspaceVolume(ws), ensureWorkspaceVolume(ws)]);
    process.stderr.write(`[volumes] two ensures at once ${where}:\n${lines.join('\n')}\n`);
    const left = await named();
    expect(left).toHaveLength(1);
    expect(left[0]!.State).toBe('ready');
    const hostPath = (await nomad.hostVolumes.read(left[0]!.ID)).data!.HostPath;
    expect(lines.filter((l) => l.endsWith(`ready at ${hostPath}`))).toHaveLength(2);
    await removeWorkspaceVolume(ws);
    expect(await named()).toEqual([]);
  });
});

onDynamic('NOMAD_VOLUME_KEEP=true', () => {
  const machine = uniqueId('vol-keep');
  const jobId = jobIdFor(machine);
  const keep = () => env(machine, { NOMAD_VOLUME_KEEP: 'true' });

  it('delete leaves the volume; a later create of the same machine takes it up again with the file', async () => {
    await ok(['create'], keep());
    const [created] = await volumesNamed(jobId);
    await sh(keep(), 'echo "still here" > /workspaces/keep.txt');
    expect(await ok(['delete'], keep())).toMatch(`volume ${jobId} kept (NOMAD_VOLUME_KEEP=true)`);
    expect(await cluster.api<unknown[]>('GET', `/v1/jobs?prefix=${jobId}`)).toEqual([]);
    expect((await volumesNamed(jobId)).map((v) => v.ID)).toEqual([created!.ID]);

    expect(await ok(['create'], keep())).toMatch(
      `volume ${jobId} (${created!.ID.slice(0, 8)}) exists on node ${created!.NodeID.slice(0, 8)}; using it`,
    );
    expect((await volumesNamed(jobId)).map((v) => v.ID)).toEqual([created!.ID]);
    expect(await sh(keep(), 'cat /workspaces/keep.txt')).toBe('still here\n');
    // Without keep, delete removes the volume it took up.
    await ok(['delete'], env(machine));
    expect(await volumesNamed(jobId)).toEqual([]);
  }, 180_000);
});

onDynamic('a volume that cannot be placed', () => {
  it.each([
    [
      'a plugin no client has',
      { NOMAD_VOLUME_PLUGIN: 'nosuch-plugin' },
      /host volume plugin "nosuch-plugin" \(node attribute plugins\.host_volume\.nosuch-plugin\.version\)/,
    ],
    [
      'a constraint no client meets',
      { NOMAD_CONSTRAINTS: '[{"attribute":"${attr.kernel.name}","value":"plan9"}]' },
      /host volume plugin "mkdir" .*NOMAD_CONSTRAINTS/,
    ],
  ])("fails create with Nomad's reason and what the volume needs (%s), and registers nothing", async (_what, extra, needs) => {
    const machine = uniqueId('vol-bad');
    const r = await cli(['create'], env(machine, extra));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `error: the volume of workspace ${jobIdFor(machine)} cannot be created: could not place volume "${jobIdFor(machine)}": no node meets constraints: 0 nodes had existing volume, 0 nodes filtered by node pool governance, 2 nodes were infeasible\\. It needs a client node with `,
      ),
    );
    expect(r.stderr).toMatch(needs);
    expect(r.stderr).toMatch(/Nothing was registered\.\n$/);
    expect(r.stdout.length).toBe(0);
    expect(await cluster.api<unknown[]>('GET', `/v1/jobs?prefix=${jobIdFor(machine)}`)).toEqual([]);
    expect(await volumesNamed(jobIdFor(machine))).toEqual([]);
  });

  it('a bad option fails before anything reaches Nomad', async () => {
    const machine = uniqueId('vol-opt');
    const r = await cli(['create'], env(machine, { NOMAD_VOLUME_SIZE: 'huge' }));
    expect([r.code, r.stderr]).toEqual([
      1,
      'error: NOMAD_VOLUME_SIZE="huge" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 30GB\n',
    ]);
    expect(await volumesNamed(jobIdFor(machine))).toEqual([]);
  });
});

onDynamic('native mode with a dynamic volume', () => {
  const id = uniqueId('vol-dc');
  const jobId = nativeJobId(id);
  const e = () => ({ ...env('unused'), MACHINE_ID: '', DEVCONTAINER_ID: id });
  const runOptions = { uid: id, image: IMAGE, user: 'root', entrypoint: '/bin/sh', cmd: ['-c', 'trap "exit 0" TERM; while sleep 1; do :; done'] };

  it('run creates the volume and mounts it; stop/start keep the file; delete removes the volume', async () => {
    const run = await cli(['native', 'run'], { ...e(), DEVCONTAINER_RUN_OPTIONS: JSON.stringify(runOptions) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`volume ${jobId} ready at `));
    const [volume] = await volumesNamed(jobId);
    expect(volume).toMatchObject({ State: 'ready' });
    expect((await runningAlloc(jobId)).NodeID).toBe(volume!.NodeID);
    const write = await cli(['native', 'command'], {
      ...e(),
      DEVCONTAINER_USER: 'root',
      DEVCONTAINER_COMMAND: 'echo native > /workspaces/dc.txt && grep " /workspaces " /proc/mounts | wc -l',
    });
    expect([write.stdout.toString(), write.code]).toEqual(['1\n', 0]);
    expect(readFileSync(join((await volumeById(volume!.ID)).HostPath!, 'dc.txt'), 'utf8')).toBe('native\n');

    await ok(['native', 'stop'], e());
    await ok(['native', 'start'], e());
    const read = await cli(['native', 'command'], { ...e(), DEVCONTAINER_USER: 'root', DEVCONTAINER_COMMAND: 'cat /workspaces/dc.txt' });
    expect([read.stdout.toString(), read.code]).toEqual(['native\n', 0]);

    await ok(['native', 'delete'], e());
    expect((await cli(['native', 'find'], e())).stdout.toString()).toBe('');
    expect(await volumesNamed(jobId)).toEqual([]);
  }, 180_000);
});

describeOnNomad({ before: [1, 10, 0], feature: 'the refusal of dynamic host volumes by servers older than 1.10' })(
  'NOMAD_VOLUME_TYPE=dynamic on servers older than Nomad 1.10',
  () => {
    it("create, init and plan refuse it, naming the option, the version it needs and the servers' version; only reads reach Nomad", async () => {
      const proxy = await startRecordingProxy(inject('nomadAddr'));
      try {
        const machine = uniqueId('vol-old');
        const e = devpodEnv(machine, { NOMAD_ADDR: proxy.address, NOMAD_DRIVER: 'docker', ...DYNAMIC });
        const version = (await sharedClient().agent.members()).data.Members!.find((m) => m.Tags?.role === 'nomad')!.Tags!.build!.replace(/-.*/, '');
        const says = `NOMAD_VOLUME_TYPE=dynamic needs Nomad 1.10 or newer; the servers run ${version}`;
        const create = await cli(['create'], e);
        expect([create.code, create.stdout.length, create.stderr]).toEqual([1, 0, `error: ${says}. Nothing was submitted to Nomad.\n`]);
        const init = await cli(['init'], e);
        expect([init.code, init.stderr]).toEqual([1, `error: ${says}\n`]);
        const plan = await cli(['plan'], e);
        expect(plan.code).toBe(1);
        expect(plan.stderr).toBe(`error: ${says}. Nothing was submitted to Nomad.\n`);
        expect(proxy.requests.filter((q) => q.method !== 'GET')).toEqual([]);
        expect((await sharedClient().jobs.read(jobIdFor(machine))).data).toBeUndefined();
      } finally {
        await proxy.close();
      }
    });
  },
);
