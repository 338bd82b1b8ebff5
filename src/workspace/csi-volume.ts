// The CSI volume of a workspace (NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN), the way to a volume per workspace on
// Nomad before 1.10: Nomad has the plugin's controller create it (CreateVolume) and registers it; the client has the
// node plugin stage and publish it where the allocation runs; delete has the controller delete it, then deregisters.
import { csiVolumeSpec, workspaceVolumeName } from '../adapters/jobspec/volume.js';
import { NomadError } from '../adapters/nomad/errors.js';
import type { CsiVolume } from '../adapters/nomad/types.js';
import { WorkspaceError } from './errors.js';
import type { ManagedVolume, Workspace } from './types.js';
import { gb, longPoll, short, waitForVolume } from './volume-wait.js';

/** Creates the volume, or takes up the one an earlier create made (or delete kept), and waits until it is schedulable. */
export async function ensureCsiVolume(ws: Workspace, v: ManagedVolume): Promise<void> {
  const name = workspaceVolumeName(ws.jobId);
  if ((await ws.nomad.csiVolumes.read(name)).data) {
    ws.log(`${ws.jobId}: CSI volume ${name} exists; using it`);
  } else {
    const spec = csiVolumeSpec(ws.config, ws.jobId);
    await ws.nomad.csiVolumes.create(spec).catch((err: unknown) => {
      throw cannotCreate(ws, v, err);
    });
    ws.log(
      `${ws.jobId}: CSI volume ${name} created by plugin ${spec.PluginID}${v.managed.capacityBytes ? `, ${gb(v.managed.capacityBytes)} requested` : ''}`,
    );
  }
  await waitForVolume(
    ws,
    name,
    (opts) => ws.nomad.csiVolumes.read(name, opts),
    (vol) =>
      vol.Schedulable ||
      `not schedulable yet (${vol.ControllersHealthy ?? 0} healthy controllers, ${vol.NodesHealthy ?? 0} healthy nodes of plugin ${vol.PluginID})`,
  );
  ws.log(`${ws.jobId}: CSI volume ${name} schedulable`);
}

/**
 * Deletes the volume once no allocation claims it; a missing one is fine. Nomad (1.6) has the plugin delete the
 * volume first and only then refuses one that is still claimed ("volume in use"): the data would be gone and the
 * volume still registered. An ended allocation's claim lasts until the node plugin has unmounted the volume and the
 * servers have released it, a moment after the allocation stopped, so delete waits for that.
 */
export async function removeCsiVolume(ws: Workspace): Promise<void> {
  const name = workspaceVolumeName(ws.jobId);
  const vol = (await ws.nomad.csiVolumes.read(name)).data;
  if (!vol) return;
  if (claims(vol).length) {
    ws.log(`${ws.jobId}: CSI volume ${name} is still claimed by allocation ${claims(vol).map(short).join(', ')}; waiting until Nomad releases it`);
    const gone = await longPoll(
      ws,
      (opts) => ws.nomad.csiVolumes.read(name, opts),
      (now, last) => {
        if (!now || !claims(now).length) return now ?? null;
        if (last) {
          throw new WorkspaceError(
            `CSI volume ${name} of workspace ${ws.jobId} is still claimed by allocation ${claims(now).join(', ')} after NOMAD_TIMEOUT (${ws.config.timeoutMs / 1000} s); ` +
              `Nomad releases a claim once the allocation has ended and the node plugin has unmounted the volume (nomad volume status ${name}). The volume was not deleted; run delete again later.`,
          );
        }
        return undefined;
      },
    );
    if (!gone) return;
  }
  await ws.nomad.csiVolumes.delete(name).catch((err: unknown) => {
    if (err instanceof NomadError && /in use/.test(err.body ?? '')) {
      throw new WorkspaceError(
        `CSI volume ${name} of workspace ${ws.jobId} is still in use (${oneLine(err.body!)}); run delete again once that allocation has ended, or remove the volume yourself`,
      );
    }
    throw err;
  });
  ws.log(`${ws.jobId}: CSI volume ${name} deleted`);
}

const claims = (vol: CsiVolume) => [...Object.keys(vol.WriteAllocs ?? {}), ...Object.keys(vol.ReadAllocs ?? {})];

/** Nomad's multierror text ("1 error occurred:\n\t* a\n\t* b\n\n") as one line, "a; b"; other text as it is. */
export function oneLine(body: string): string {
  const items = [...body.matchAll(/^\t\* (.*)$/gm)].map((m) => m[1]!.trim());
  return items.length ? items.join('; ') : body.trim();
}

/**
 * Nomad's refusal in a sentence: the plugin's own reason when its controller refused (with the option that asked
 * for a size it cannot give), else what the volume needs. Permission and transport errors pass as they are.
 */
export function cannotCreate(ws: Workspace, v: ManagedVolume, err: unknown): Error {
  if (!(err instanceof NomadError) || (err.kind !== 'server' && err.kind !== 'badRequest')) return err as Error;
  const text = oneLine(err.body || err.message);
  const prefix = `the volume of workspace ${ws.jobId} cannot be created`;
  const refused = /^controller create volume: (?:CSI\.ControllerCreateVolume: )?(.*)$/s.exec(text);
  if (refused) {
    const size = /capacity_range/.test(refused[1]!) && v.managed.capacityBytes ? ` (NOMAD_VOLUME_SIZE asks for ${gb(v.managed.capacityBytes)})` : '';
    return new WorkspaceError(`${prefix}: CSI plugin ${v.managed.plugin} refused it: ${refused[1]}${size}. Nothing was registered.`);
  }
  const plugin = v.managed.plugin;
  return new WorkspaceError(
    `${prefix}: ${text}. It needs a running CSI plugin "${plugin}" whose controller can create volumes (CREATE_DELETE_VOLUME); nomad plugin status ${plugin} shows it. Nothing was registered.`,
  );
}
