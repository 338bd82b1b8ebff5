// The workspace's dynamic host volume (NOMAD_VOLUME_TYPE=dynamic): made on a node by its plugin before the job is
// registered, including when two creates of one machine race, waited on until ready, and deleted after the purge.
// volume.ts picks this or csi-volume.ts; the waits are Nomad blocking queries (volume-wait.ts).
import { hostVolumeSpec, workspaceVolumeName } from '../adapters/jobspec/volume.js';
import { NomadError } from '../adapters/nomad/errors.js';
import type { HostVolume } from '../adapters/nomad/types.js';
import { WorkspaceError } from './errors.js';
import type { ManagedVolume, Workspace } from './types.js';
import { gb, longPoll, short, waitForVolume } from './volume-wait.js';

/** Deletes the workspace's host volumes (one, normally); Nomad refuses while an allocation still uses one. */
export async function removeHostVolume(ws: Workspace, name: string): Promise<void> {
  for (const vol of await hostVolumesNamed(ws, name)) {
    await ws.nomad.hostVolumes.delete(vol.ID).catch((err: unknown) => refuse(ws, name, err));
    ws.log(`${ws.jobId}: volume ${name} (${short(vol.ID)}) deleted from node ${short(vol.NodeID)}`);
  }
}

function refuse(ws: Workspace, name: string, err: unknown): never {
  if (err instanceof NomadError && /in use by allocations/.test(err.body ?? '')) {
    throw new WorkspaceError(
      `volume ${name} of workspace ${ws.jobId} is still in use (${err.body}); run delete again once that allocation has ended, or remove the volume yourself`,
    );
  }
  throw err;
}

/** The volumes of a name, oldest first. Host volumes are unique by name per node, not per namespace. */
const named = (all: HostVolume[] | undefined, name: string) =>
  (all ?? []).filter((v) => v.Name === name).sort((a, b) => a.CreateIndex - b.CreateIndex);

/** A workspace's name is found on at most one node, normally. */
export async function hostVolumesNamed(ws: Workspace, name: string): Promise<HostVolume[]> {
  return named((await ws.nomad.hostVolumes.list()).data, name);
}

/** The volume of that name once Nomad's state has it (a blocking query on the list), or undefined at NOMAD_TIMEOUT. */
async function hostVolumeAppearing(ws: Workspace, name: string): Promise<HostVolume | undefined> {
  const found = await longPoll(
    ws,
    (opts) => ws.nomad.hostVolumes.list(opts),
    (all, last) => named(all, name)[0] ?? (last ? null : undefined),
  );
  return found ?? undefined;
}

export async function ensureHostVolume(ws: Workspace, v: ManagedVolume): Promise<void> {
  const name = workspaceVolumeName(ws.jobId);
  const [existing] = await hostVolumesNamed(ws, name);
  if (existing) ws.log(`${ws.jobId}: volume ${name} (${short(existing.ID)}) exists on node ${short(existing.NodeID)}; using it`);
  const id = existing?.ID ?? (await createHostVolume(ws, v, name));
  const ready = await waitForVolume(
    ws,
    name,
    (opts) => ws.nomad.hostVolumes.read(id, opts),
    (vol) => {
      if (vol.State === 'ready') return true;
      if (vol.State === 'unavailable')
        throw new WorkspaceError(
          `volume ${name} of workspace ${ws.jobId} is unavailable: its node (${short(vol.NodeID)}) is down or no longer reports it. Bring that client back, or delete the volume (nomad volume delete -type host ${vol.ID}) to start afresh`,
        );
      return `state ${vol.State}, until node ${short(vol.NodeID)} reports it`;
    },
  );
  ws.log(`${ws.jobId}: volume ${name} ready${ready.HostPath ? ` at ${ready.HostPath}` : ''}`);
}

/**
 * Makes the volume and returns its id. Two creates of one machine at once may both find none. Nomad then refuses the
 * second: in placement once the first is in its state, or, before that, on the client, which knows the name already
 * ("volume name already exists on this node"); the refused create takes up the first's volume, waiting for it in
 * the second case. Should the servers place them on two nodes instead, both are made, and the younger one's create
 * removes it and takes up the oldest.
 */
async function createHostVolume(ws: Workspace, v: ManagedVolume, name: string): Promise<string> {
  const spec = hostVolumeSpec(ws.config, ws.jobId);
  let made: HostVolume;
  try {
    made = (await ws.nomad.hostVolumes.create(spec)).data.Volume;
  } catch (err) {
    // The other create's volume may be in the servers' state already (then placement found "1 nodes had existing
    // volume"), or only on the client so far (which refused the name): look, and in the second case wait for it.
    const [now] = await hostVolumesNamed(ws, name).catch(() => []);
    const taken = err instanceof NomadError && /volume name already exists/.test(err.body ?? '');
    const other = now ?? (taken ? await hostVolumeAppearing(ws, name) : undefined);
    if (!other)
      throw cannotCreate(
        ws,
        err,
        `a client node with host volume plugin "${spec.PluginID}" (node attribute plugins.host_volume.${spec.PluginID}.version) that the workspace may run on: the ${ws.config.driver} driver, and NOMAD_NODE_POOL, NOMAD_DATACENTERS and NOMAD_CONSTRAINTS`,
      );
    ws.log(`${ws.jobId}: volume ${name} (${short(other.ID)}) was made meanwhile by another create of this machine; using it`);
    return other.ID;
  }
  const size = v.managed.capacityBytes ? `, ${gb(v.managed.capacityBytes)} requested` : '';
  ws.log(`${ws.jobId}: volume ${name} (${short(made.ID)}) created by plugin ${spec.PluginID} on node ${short(made.NodeID)}${size}`);
  const [oldest] = await hostVolumesNamed(ws, name);
  if (!oldest || oldest.ID === made.ID) return made.ID;
  await ws.nomad.hostVolumes.delete(made.ID);
  ws.log(
    `${ws.jobId}: volume ${name} (${short(oldest.ID)}) was made at the same time by another create of this machine; removed ${short(made.ID)} and using that one`,
  );
  return oldest.ID;
}

/** Nomad's refusal, in a sentence that says what the volume needs; permission and transport errors pass as they are. */
function cannotCreate(ws: Workspace, err: unknown, needs: string): Error {
  if (!(err instanceof NomadError) || (err.kind !== 'server' && err.kind !== 'badRequest')) return err as Error;
  return new WorkspaceError(
    `the volume of workspace ${ws.jobId} cannot be created: ${err.body || err.message}. It needs ${needs}. Nothing was registered.`,
  );
}
