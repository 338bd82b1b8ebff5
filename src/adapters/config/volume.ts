// Schema of the Storage group (catalog/storage.ts), NOMAD_VOLUME_*: persistent storage for the workspace. Either a
// volume an operator made beforehand (host, or csi with NOMAD_VOLUME_SOURCE), shared by every workspace that names
// it; or one the provider makes at `create` and removes at `delete` (dynamic, or csi with NOMAD_VOLUME_PLUGIN), named
// after the workspace's job so no two workspaces share it.
import { parseBool, parseJson, parseMegabytes } from './parse.js';
import { oneOf, type OptionReader } from './reader.js';
import { volumeNeedsMountingDriver } from './rules.js';

export const VOLUME_TYPES = ['none', 'host', 'csi', 'dynamic'] as const;
export const CSI_ACCESS_MODES = [
  'single-node-writer',
  'single-node-reader-only',
  'multi-node-reader-only',
  'multi-node-single-writer',
  'multi-node-multi-writer',
] as const;
/** Access modes of host volumes (Nomad's structs.HostVolumeAccessMode*), which differ from CSI's. */
export const HOST_ACCESS_MODES = ['single-node-writer', 'single-node-reader-only', 'single-node-single-writer', 'single-node-multi-writer'] as const;
/** Nomad's built-in dynamic host volume plugin: a directory under the client's host_volumes_dir. */
export const DEFAULT_HOST_VOLUME_PLUGIN = 'mkdir';

export interface VolumeConfig {
  /** host: a client host volume; csi: a CSI volume; dynamic: a dynamic host volume the provider creates (Nomad ≥ 1.10). */
  type: 'host' | 'csi' | 'dynamic';
  /** The operator's volume (host volume name, CSI volume id); empty when the provider creates the volume. */
  source: string;
  mount: string;
  readOnly: boolean;
  accessMode: string;
  attachmentMode: string;
  /** Set when the provider creates the volume at create (or reuses a kept one) and removes it at delete. */
  managed?: {
    /** Host volume plugin (dynamic; default mkdir) or CSI plugin id (csi). */
    plugin: string;
    /** NOMAD_VOLUME_SIZE, asked of the plugin as both the least and the most capacity; unset = the plugin's choice. */
    capacityBytes?: number;
    /** NOMAD_VOLUME_KEEP: delete leaves the volume, and a later create of the same machine takes it up again. */
    keep: boolean;
    /** NOMAD_VOLUME_PARAMETERS_JSON: the plugin's parameters (mkdir: mode, uid, gid), as strings. */
    parameters: Record<string, string>;
  };
}

const MB = 1024 * 1024;

function parseStringMap(v: string): Record<string, string> | undefined {
  const json = parseJson(v);
  if (!json.ok || !json.value || typeof json.value !== 'object' || Array.isArray(json.value)) return undefined;
  return Object.values(json.value).every((x) => typeof x === 'string') ? (json.value as Record<string, string>) : undefined;
}

/** The volume options; undefined for no volume (NOMAD_VOLUME_TYPE=none). */
export function readVolume(r: OptionReader, driver: string): VolumeConfig | undefined {
  const { get, text, describe, problems } = r;
  const type = get('NOMAD_VOLUME_TYPE', `one of ${VOLUME_TYPES.join(', ')}`, oneOf(VOLUME_TYPES), 'none');
  const source = text('NOMAD_VOLUME_SOURCE');
  const plugin = text('NOMAD_VOLUME_PLUGIN');
  const created = type === 'dynamic' || (type === 'csi' && plugin !== '');
  // Options that only mean something for a volume the provider creates are refused elsewhere, not silently ignored.
  const onlyCreated = (name: string, what: string) => {
    if (text(name) !== '' && !created)
      problems.push(`${name} is set but NOMAD_VOLUME_TYPE=${type}: ${what} (NOMAD_VOLUME_TYPE=dynamic, or csi with NOMAD_VOLUME_PLUGIN)`);
  };
  onlyCreated('NOMAD_VOLUME_SIZE', 'a size applies only to a volume the provider creates');
  onlyCreated('NOMAD_VOLUME_KEEP', 'only a volume the provider creates is kept or removed');
  onlyCreated('NOMAD_VOLUME_PARAMETERS_JSON', 'plugin parameters apply only to a volume the provider creates');
  if (type === 'host' && plugin)
    problems.push(
      'NOMAD_VOLUME_PLUGIN is set but NOMAD_VOLUME_TYPE=host: expected NOMAD_VOLUME_TYPE=dynamic for a host volume the provider creates with that plugin',
    );
  if (type === 'none') return undefined;

  if (type === 'host' && !source) problems.push('NOMAD_VOLUME_TYPE=host needs NOMAD_VOLUME_SOURCE: expected the client host volume name');
  if (type === 'csi' && !source && !plugin)
    problems.push(
      'NOMAD_VOLUME_TYPE=csi needs NOMAD_VOLUME_SOURCE or NOMAD_VOLUME_PLUGIN: expected the registered CSI volume id, or the CSI plugin id to create a volume per workspace with',
    );
  if (type === 'csi' && source && plugin)
    problems.push(
      'NOMAD_VOLUME_TYPE=csi takes NOMAD_VOLUME_SOURCE or NOMAD_VOLUME_PLUGIN, not both: expected the registered CSI volume id, or the CSI plugin id to create a volume per workspace with',
    );
  r.check(volumeNeedsMountingDriver(type, driver));
  if (type === 'dynamic' && source)
    problems.push(
      'NOMAD_VOLUME_SOURCE is set but NOMAD_VOLUME_TYPE=dynamic: the provider names the volume after the workspace; expected no NOMAD_VOLUME_SOURCE (or NOMAD_VOLUME_TYPE=host for a volume of that name)',
    );

  const mount = text('NOMAD_VOLUME_MOUNT') || '/workspaces';
  if (!mount.startsWith('/') || mount.replace(/\/+$/, '') === '')
    problems.push(describe('NOMAD_VOLUME_MOUNT', mount, 'an absolute path inside the workspace other than /, e.g. /workspaces'));
  const readOnly = get('NOMAD_VOLUME_READ_ONLY', 'true or false', parseBool, false);
  const accessMode =
    type === 'dynamic'
      ? get(
          'NOMAD_VOLUME_ACCESS_MODE',
          `one of ${HOST_ACCESS_MODES.join(', ')} (host volume access modes)`,
          oneOf(HOST_ACCESS_MODES),
          readOnly ? 'single-node-reader-only' : 'single-node-writer',
        )
      : get('NOMAD_VOLUME_ACCESS_MODE', `one of ${CSI_ACCESS_MODES.join(', ')}`, oneOf(CSI_ACCESS_MODES), 'single-node-writer');
  const attachmentMode = get(
    'NOMAD_VOLUME_ATTACHMENT_MODE',
    'file-system or block-device',
    oneOf(['file-system', 'block-device'] as const),
    'file-system',
  );
  const sizeMB = get<number | undefined>('NOMAD_VOLUME_SIZE', 'a size in MB, or with a unit (MB, GB, GiB), e.g. 30GB', parseMegabytes, undefined);
  const keep = get('NOMAD_VOLUME_KEEP', 'true or false', parseBool, false);
  const parameters = get(
    'NOMAD_VOLUME_PARAMETERS_JSON',
    'a JSON object of plugin parameters with string values, e.g. {"mode": "0755", "uid": "1000"}',
    parseStringMap,
    {},
  );
  return {
    type,
    source: created ? '' : source,
    mount,
    readOnly,
    accessMode,
    attachmentMode,
    managed: created
      ? { plugin: plugin || DEFAULT_HOST_VOLUME_PLUGIN, capacityBytes: sizeMB === undefined ? undefined : sizeMB * MB, keep, parameters }
      : undefined,
  };
}
