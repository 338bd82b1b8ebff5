// The volume of a workspace that the provider creates (NOMAD_VOLUME_TYPE=dynamic, or csi with NOMAD_VOLUME_PLUGIN):
// made before the job is registered and waited on until Nomad can place a claim on it; removed by delete once the
// job's allocation has ended, unless NOMAD_VOLUME_KEEP — and then taken up again by the next create of the machine.
// Waits are Nomad blocking queries on the volume, bounded by NOMAD_TIMEOUT; never a sleep. This file picks the kind
// (host-volume.ts, csi-volume.ts) and tells `plan` what create will do.
import { workspaceVolumeName } from '../adapters/jobspec/volume.js';
import type { NomadJob } from '../adapters/nomad/types.js';
import { ensureCsiVolume, removeCsiVolume } from './csi-volume.js';
import { ensureHostVolume, hostVolumesNamed, removeHostVolume } from './host-volume.js';
import type { ManagedVolume, Workspace } from './types.js';
import { gb, short } from './volume-wait.js';

const managedVolume = (ws: Workspace): ManagedVolume | undefined => (ws.config.volume?.managed ? (ws.config.volume as ManagedVolume) : undefined);

/** Creates the workspace's volume, or finds the one an earlier create made (or delete kept), and waits until it is usable. */
export async function ensureWorkspaceVolume(ws: Workspace): Promise<void> {
  const v = managedVolume(ws);
  if (!v) return;
  if (v.type === 'csi') await ensureCsiVolume(ws, v);
  else await ensureHostVolume(ws, v);
}

/** Removes the workspace's volume (after its allocation ended), unless NOMAD_VOLUME_KEEP; a missing one is fine. */
export async function removeWorkspaceVolume(ws: Workspace): Promise<void> {
  const v = managedVolume(ws);
  if (!v) return;
  const name = workspaceVolumeName(ws.jobId);
  if (v.managed.keep) {
    ws.log(`${ws.jobId}: volume ${name} kept (NOMAD_VOLUME_KEEP=true); the next create of this machine uses it again`);
    return;
  }
  if (v.type === 'csi') {
    await removeCsiVolume(ws);
    return;
  }
  await removeHostVolume(ws, name);
}

/**
 * For `plan`: what create will do about the volume, and the job as Nomad can plan it now. Before create made the
 * volume, Nomad would call the job unplaceable for the want of it, so the workspace volume is left out of the plan.
 */
export async function planVolume(ws: Workspace, job: NomadJob): Promise<{ planned: NomadJob; note?: string }> {
  const v = managedVolume(ws);
  if (!v) return { planned: job };
  const name = workspaceVolumeName(ws.jobId);
  if (v.type === 'csi') {
    const vol = (await ws.nomad.csiVolumes.read(name)).data;
    if (vol) return { planned: job, note: `volume: CSI volume ${name} exists${vol.Schedulable ? '' : ' (not schedulable now)'}; create uses it` };
  } else {
    const [vol] = await hostVolumesNamed(ws, name);
    if (vol) return { planned: job, note: `volume: ${name} exists on node ${short(vol.NodeID)} (${vol.State}); create uses it` };
  }
  const size = v.managed.capacityBytes ? `, ${gb(v.managed.capacityBytes)}` : '';
  const what = v.type === 'csi' ? `a CSI volume of plugin ${v.managed.plugin}` : `a dynamic host volume of plugin ${v.managed.plugin}`;
  return {
    planned: withoutWorkspaceVolume(job),
    note: `volume: ${name} does not exist yet; create makes it first (${what}${size}), so the placement below leaves it out`,
  };
}

/** The job without the workspace volume and its mounts (a team template's own volumes stay). */
function withoutWorkspaceVolume(job: NomadJob): NomadJob {
  const copy = structuredClone(job);
  for (const group of copy.TaskGroups ?? []) {
    const volumes = group.Volumes as Record<string, unknown> | undefined;
    if (volumes) delete volumes.workspace;
    for (const task of group.Tasks) {
      const mounts = task.VolumeMounts as Array<{ Volume?: string }> | undefined;
      if (mounts) task.VolumeMounts = mounts.filter((m) => m.Volume !== 'workspace');
    }
  }
  return copy;
}
