// The workspace's volume: the group's `volume` block and the task's mount, and, for a volume the provider creates,
// the create request Nomad gets (a dynamic host volume, or a CSI volume) — named after the workspace's job.
import type { ProviderConfig, VolumeConfig } from '../config/index.js';
import type { CsiVolumeSpec, HostVolumeSpec } from '../nomad/types.js';
import { needConstraints, taskDriver } from './drivers/index.js';

/** What every workspace job id, and so every volume the provider creates, starts with (jobIdFor). */
export const WORKSPACE_VOLUME_PREFIX = 'devpod-';

/** The volume of a workspace the provider creates: the job's own id, so `host_volume "devpod-*"` rules cover it. */
export const workspaceVolumeName = (jobId: string): string => jobId;

/** The name (host) or id (CSI) the job's volume block points at. */
export const volumeSource = (v: VolumeConfig, jobId: string): string => (v.managed ? workspaceVolumeName(jobId) : v.source);

export function volumeBlock(cfg: ProviderConfig, jobId: string): { group: Record<string, unknown>; task: Record<string, unknown> } {
  const v = cfg.volume;
  if (!v) return { group: {}, task: {} };
  const decl: Record<string, unknown> = {
    Name: 'workspace',
    Type: v.type === 'csi' ? 'csi' : 'host',
    Source: volumeSource(v, jobId),
    ReadOnly: v.readOnly,
  };
  if (v.type !== 'host') Object.assign(decl, { AccessMode: v.accessMode, AttachmentMode: v.attachmentMode });
  // Sticky (dynamic host volumes only): Nomad records which volume the group claimed and places it there again.
  if (v.type === 'dynamic') decl.Sticky = true;
  return {
    group: { Volumes: { workspace: decl } },
    task: { VolumeMounts: [{ Volume: 'workspace', Destination: v.mount, ReadOnly: v.readOnly }] },
  };
}

const globToRegexp = (glob: string) =>
  glob
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');

/**
 * Where the volume may be made: a node the workspace job could run on. Host volumes are node-local and the job
 * follows its volume, so the volume gets the job's placement rules — node pool, datacenters, NOMAD_CONSTRAINTS, the
 * task driver and what its config needs of the client — or it could land on a node the workspace can never use.
 */
function placement(cfg: ProviderConfig): Pick<HostVolumeSpec, 'NodePool' | 'Constraints'> {
  const driver = taskDriver(cfg.driver);
  const constraints: Array<{ LTarget: string; Operand: string; RTarget: string }> = [
    { LTarget: `\${attr.driver.${driver.name}}`, Operand: 'is_set', RTarget: '' },
    ...(needConstraints(driver.needs?.(cfg) ?? []) as Array<{ LTarget: string; Operand: string; RTarget: string }>),
  ];
  if (!cfg.datacenters.includes('*')) {
    constraints.push({ LTarget: '${node.datacenter}', Operand: 'regexp', RTarget: `^(${cfg.datacenters.map(globToRegexp).join('|')})$` });
  }
  // Nomad refuses distinct_hosts/distinct_property on volumes ("always on distinct hosts"); they mean nothing for one.
  for (const c of cfg.constraints) {
    if (c.operator !== 'distinct_hosts' && c.operator !== 'distinct_property')
      constraints.push({ LTarget: c.attribute, Operand: c.operator, RTarget: c.value });
  }
  return { ...(cfg.nodePool ? { NodePool: cfg.nodePool } : {}), Constraints: constraints };
}

const capabilities = (v: VolumeConfig) => [{ AccessMode: v.accessMode, AttachmentMode: v.attachmentMode }];
const parameters = (v: VolumeConfig) => (Object.keys(v.managed?.parameters ?? {}).length ? { Parameters: v.managed!.parameters } : {});

/** PUT /v1/volume/host/create's Volume for NOMAD_VOLUME_TYPE=dynamic. */
export function hostVolumeSpec(cfg: ProviderConfig, jobId: string): HostVolumeSpec {
  const v = cfg.volume!;
  const size = v.managed?.capacityBytes;
  return {
    Name: workspaceVolumeName(jobId),
    Namespace: cfg.connection.namespace,
    // Set it always: an empty plugin id means "default" to Nomad, which is no built-in plugin.
    PluginID: v.managed!.plugin,
    ...placement(cfg),
    ...(size ? { RequestedCapacityMinBytes: size, RequestedCapacityMaxBytes: size } : {}),
    RequestedCapabilities: capabilities(v),
    ...parameters(v),
  };
}

/** PUT /v1/volume/csi/:id/create's volume for NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN. */
export function csiVolumeSpec(cfg: ProviderConfig, jobId: string): CsiVolumeSpec {
  const v = cfg.volume!;
  const size = v.managed?.capacityBytes;
  const name = workspaceVolumeName(jobId);
  return {
    ID: name,
    Name: name,
    Namespace: cfg.connection.namespace,
    PluginID: v.managed!.plugin,
    ...(size ? { RequestedCapacityMin: size, RequestedCapacityMax: size } : {}),
    RequestedCapabilities: capabilities(v),
    ...parameters(v),
  };
}
