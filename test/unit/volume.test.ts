// A volume per workspace (NOMAD_VOLUME_TYPE=dynamic, or csi with NOMAD_VOLUME_PLUGIN): the options as read, the
// create request Nomad gets, the job's volume block, what `init` asks of the token, and how a refusal reads. The
// volumes themselves are made, mounted and removed against a real cluster in test/integration/volumes.test.ts
// (dynamic) and with a real CSI plugin in test/integration/volumes-csi-plugin.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { csiVolumeSpec, hostVolumeSpec, volumeBlock } from '../../src/adapters/jobspec/volume.js';
import { buildWorkspaceJob, jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { addRules, describeNeed, emptyGrants, missingNeeds } from '../../src/adapters/nomad/acl-rules.js';
import { NomadError } from '../../src/adapters/nomad/errors.js';
import { neededAccess } from '../../src/workspace/access.js';
import { cannotCreate, oneLine } from '../../src/workspace/csi-volume.js';
import { WorkspaceError } from '../../src/workspace/errors.js';
import type { Workspace } from '../../src/workspace/types.js';
import { policyWithVolumeRules } from '../helpers/volume-policy.js';

const cwd = mkdtempSync(join(tmpdir(), 'volume-unit-'));
const config = (env: Record<string, string>) => loadConfig(env, { cwd });
const GiB = 1024 ** 3;

describe('NOMAD_VOLUME_TYPE=dynamic options', () => {
  it('defaults to the mkdir plugin at /workspaces, read-write, no size, removed on delete', () => {
    expect(config({ NOMAD_VOLUME_TYPE: 'dynamic' }).volume).toEqual({
      type: 'dynamic',
      source: '',
      mount: '/workspaces',
      readOnly: false,
      accessMode: 'single-node-writer',
      attachmentMode: 'file-system',
      managed: { plugin: 'mkdir', capacityBytes: undefined, keep: false, parameters: {} },
    });
  });

  it('reads the size in the units of the other size options, the plugin, keep and a read-only mount', () => {
    expect(
      config({
        NOMAD_VOLUME_TYPE: 'dynamic',
        NOMAD_VOLUME_SIZE: '30GB',
        NOMAD_VOLUME_PLUGIN: 'lvm',
        NOMAD_VOLUME_KEEP: 'true',
        NOMAD_VOLUME_READ_ONLY: 'true',
        NOMAD_VOLUME_MOUNT: '/home/dev',
      }).volume,
    ).toMatchObject({
      mount: '/home/dev',
      readOnly: true,
      accessMode: 'single-node-reader-only',
      managed: { plugin: 'lvm', capacityBytes: 30 * GiB, keep: true },
    });
  });

  it('creates a CSI volume only when given a plugin, and then names none of its own', () => {
    expect(config({ NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'ebs', NOMAD_VOLUME_SIZE: '10GiB' }).volume).toMatchObject({
      type: 'csi',
      source: '',
      managed: { plugin: 'ebs', capacityBytes: 10 * GiB, keep: false },
    });
    expect(config({ NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_SOURCE: 'shared' }).volume).toMatchObject({
      type: 'csi',
      source: 'shared',
      managed: undefined,
    });
  });
});

describe('the dynamic host volume create request', () => {
  const id = jobIdFor('ws-1');

  it('is named after the workspace job, with the plugin, the size in bytes as least and most, and matching capabilities', () => {
    expect(hostVolumeSpec(config({ NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_SIZE: '30GB' }), id)).toEqual({
      Name: 'devpod-ws-1',
      Namespace: undefined,
      PluginID: 'mkdir',
      Constraints: [{ LTarget: '${attr.driver.docker}', Operand: 'is_set', RTarget: '' }],
      RequestedCapacityMinBytes: 30 * GiB,
      RequestedCapacityMaxBytes: 30 * GiB,
      RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }],
    });
  });

  it('goes where the workspace may run: node pool, datacenters, constraints (but not distinct_*), driver needs', () => {
    const spec = hostVolumeSpec(
      config({
        NOMAD_VOLUME_TYPE: 'dynamic',
        NOMAD_NODE_POOL: 'dev',
        NOMAD_DATACENTERS: 'eu-1,us-*',
        NOMAD_DOCKER_ACCESS: 'host-socket',
        NOMAD_CONSTRAINTS: '[{"attribute":"${attr.kernel.name}","value":"linux"},{"attribute":"${meta.rack}","operator":"distinct_property"}]',
      }),
      id,
    );
    expect(spec.NodePool).toBe('dev');
    expect(spec.Constraints).toEqual([
      { LTarget: '${attr.driver.docker}', Operand: 'is_set', RTarget: '' },
      { LTarget: '${attr.driver.docker.volumes.enabled}', Operand: '=', RTarget: 'true' },
      { LTarget: '${attr.driver.docker.privileged.enabled}', Operand: '=', RTarget: 'true' },
      { LTarget: '${node.datacenter}', Operand: 'regexp', RTarget: '^(eu-1|us-.*)$' },
      { LTarget: '${attr.kernel.name}', Operand: '=', RTarget: 'linux' },
    ]);
  });

  it('passes the plugin parameters (mkdir: mode, uid, gid) as given', () => {
    expect(
      hostVolumeSpec(config({ NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_PARAMETERS_JSON: '{"mode":"0755","uid":"65534"}' }), id).Parameters,
    ).toEqual({ mode: '0755', uid: '65534' });
  });

  it('asks for no capacity when no size is given, and names the namespace', () => {
    const spec = hostVolumeSpec(config({ NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_DRIVER: 'exec', NOMAD_NAMESPACE: 'team' }), id);
    expect(spec).not.toHaveProperty('RequestedCapacityMinBytes');
    expect(spec).not.toHaveProperty('Parameters');
    expect(spec).toMatchObject({ Namespace: 'team', Constraints: [{ LTarget: '${attr.driver.exec}', Operand: 'is_set', RTarget: '' }] });
  });

  it('for CSI: the job id as volume id and name, capacity without "Bytes"', () => {
    expect(csiVolumeSpec(config({ NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'ebs', NOMAD_VOLUME_SIZE: '1GB' }), id)).toEqual({
      ID: 'devpod-ws-1',
      Name: 'devpod-ws-1',
      Namespace: undefined,
      PluginID: 'ebs',
      RequestedCapacityMin: GiB,
      RequestedCapacityMax: GiB,
      RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }],
    });
  });
});

describe("the job's volume block", () => {
  it('mounts the dynamic volume of its own name, sticky, with the access mode the volume was created with', () => {
    const job = buildWorkspaceJob(
      { machineId: 'ws-1', providerVersion: 'test' },
      config({ NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_MOUNT: '/work' }),
    );
    const group = job.TaskGroups![0]!;
    expect(group.Volumes).toEqual({
      workspace: {
        Name: 'workspace',
        Type: 'host',
        Source: 'devpod-ws-1',
        ReadOnly: false,
        Sticky: true,
        AccessMode: 'single-node-writer',
        AttachmentMode: 'file-system',
      },
    });
    expect(group.Tasks[0]!.VolumeMounts).toEqual([{ Volume: 'workspace', Destination: '/work', ReadOnly: false }]);
  });

  it("keeps an operator's host volume as it was (no sticky, no access mode)", () => {
    expect(volumeBlock(config({ NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'shared' }), 'devpod-x').group).toEqual({
      Volumes: { workspace: { Name: 'workspace', Type: 'host', Source: 'shared', ReadOnly: false } },
    });
  });

  it('mounts the CSI volume it creates by the job id', () => {
    expect(volumeBlock(config({ NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'ebs' }), 'devpod-x').group).toMatchObject({
      Volumes: { workspace: { Type: 'csi', Source: 'devpod-x' } },
    });
  });
});

describe('what init asks of the token for a volume per workspace', () => {
  const shipped = readFileSync('deploy/nomad-acl-policy.hcl', 'utf8');
  const missing = (rules: string, env: Record<string, string>) =>
    missingNeeds(addRules(emptyGrants(), rules), neededAccess(config(env))).map(describeNeed);

  it('the shipped policy as it is lacks creating, deleting and mounting the volume, and says which command needs each', () => {
    expect(missing(shipped, { NOMAD_VOLUME_TYPE: 'dynamic' })).toEqual([
      '"host-volume-create" in namespace "default" (create with NOMAD_VOLUME_TYPE=dynamic makes the workspace\'s volume, and reads it until it is ready)',
      '"host-volume-delete" in namespace "default" (delete with NOMAD_VOLUME_TYPE=dynamic removes the workspace\'s volume; policy = "write" does not include it)',
      'host_volume "devpod-*" policy "write" (NOMAD_VOLUME_TYPE=dynamic: the workspace job mounts its volume, named after the job)',
    ]);
  });

  it('with its commented volume lines switched on, it has all of it; with keep, delete is not needed', () => {
    expect(missing(policyWithVolumeRules(shipped, ['host-volume-create', 'host-volume-delete']), { NOMAD_VOLUME_TYPE: 'dynamic' })).toEqual([]);
    expect(missing(policyWithVolumeRules(shipped, ['host-volume-create']), { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_KEEP: 'true' })).toEqual([]);
  });

  it('namespace policy "write" creates but does not delete (Nomad 1.11)', () => {
    expect(missing('namespace "default" { policy = "write" }\nhost_volume "*" { policy = "write" }', { NOMAD_VOLUME_TYPE: 'dynamic' })).toEqual([
      '"host-volume-delete" in namespace "default" (delete with NOMAD_VOLUME_TYPE=dynamic removes the workspace\'s volume; policy = "write" does not include it)',
    ]);
  });

  it('a CSI volume the provider creates needs csi-write-volume as well as mounting and the plugin', () => {
    expect(missing(shipped, { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'ebs' })).toEqual([
      '"csi-write-volume" in namespace "default" (NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN: create makes the workspace\'s CSI volume, delete removes it)',
      '"csi-mount-volume" in namespace "default" (NOMAD_VOLUME_TYPE=csi mounts the workspace\'s volume)',
      'plugin policy "read" (NOMAD_VOLUME_TYPE=csi: Nomad checks the CSI plugin is readable when a job mounts its volume)',
    ]);
  });
});

describe("Nomad's refusal of a CSI volume the provider creates, as the user reads it", () => {
  const ws = { jobId: 'devpod-ws-1' } as Workspace;
  const v = (size?: string) =>
    config({ NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'ebs', ...(size ? { NOMAD_VOLUME_SIZE: size } : {}) }).volume as Parameters<
      typeof cannotCreate
    >[1];
  const server = (body: string) => new NomadError('server', `Nomad failed PUT /v1/volume/csi/devpod-ws-1/create: ${body} (HTTP 500).`, 500, body);
  // Nomad 1.6.1's answers, as the test plugin's refusals come back (test/integration/volumes-csi-plugin.test.ts).
  const multi = (item: string) => `1 error occurred:\n\t* controller create volume: CSI.ControllerCreateVolume: ${item}\n\n`;
  const capacity =
    'unsupported capacity_range for volume "devpod-ws-1": rpc error: code = OutOfRange desc = this plugin gives at most 1073741824 bytes per volume, 2147483648 were required';
  const block =
    'volume "devpod-ws-1" snapshot source &{"" ""} is not compatible with these parameters: rpc error: code = InvalidArgument desc = only the file-system attachment mode is supported';

  it.each([
    [
      'a size the plugin cannot give names NOMAD_VOLUME_SIZE',
      v('2GB'),
      server(multi(capacity)),
      `the volume of workspace devpod-ws-1 cannot be created: CSI plugin ebs refused it: ${capacity} (NOMAD_VOLUME_SIZE asks for 2 GiB). Nothing was registered.`,
    ],
    [
      "another refusal gives the plugin's reason alone",
      v(),
      server(multi(block)),
      `the volume of workspace devpod-ws-1 cannot be created: CSI plugin ebs refused it: ${block}. Nothing was registered.`,
    ],
    [
      'no such plugin says what the volume needs',
      v('2GB'),
      server('no CSI plugin named: ebs could be found'),
      'the volume of workspace devpod-ws-1 cannot be created: no CSI plugin named: ebs could be found. It needs a running CSI plugin "ebs" whose controller can create volumes (CREATE_DELETE_VOLUME); nomad plugin status ebs shows it. Nothing was registered.',
    ],
  ])('%s', (_what, volume, err, message) => {
    expect(cannotCreate(ws, volume, err)).toEqual(new WorkspaceError(message));
  });

  it('passes a permission error on as it is', () => {
    const forbidden = new NomadError('forbidden', 'Nomad refused PUT …', 403, 'Permission denied');
    expect(cannotCreate(ws, v(), forbidden)).toBe(forbidden);
  });

  it("puts the items of Nomad's multierror on one line", () => {
    expect(oneLine('2 errors occurred:\n\t* first\n\t* second\n\n')).toBe('first; second');
    expect(oneLine('volume in use: devpod-ws-1\n')).toBe('volume in use: devpod-ws-1');
  });
});
