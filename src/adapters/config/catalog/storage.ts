// NOMAD_VOLUME_*: a volume mounted in the workspace so that stop/start keep its files.
import type { OptionGroup } from './types.js';

export const STORAGE: OptionGroup = {
  name: 'Storage',
  defaultVisible: false,
  options: [
    {
      name: 'NOMAD_VOLUME_TYPE',
      common: true,
      default: 'none',
      description:
        'Persistent storage for the workspace: none (default), host (a client host volume), csi (a registered CSI volume, or one created per workspace with NOMAD_VOLUME_PLUGIN) or dynamic (a Nomad dynamic host volume created per workspace by create and removed by delete; Nomad 1.10 or newer).',
      details:
        '`dynamic` and `csi` with a plugin: [A volume per workspace](operator-guide.md#a-volume-per-workspace), [CSI volumes](csi-volumes.md). Refused with `NOMAD_DRIVER=raw_exec`, which cannot mount volumes.',
    },
    {
      name: 'NOMAD_VOLUME_SOURCE',
      description: 'Host volume name or CSI volume id (host, csi without a plugin).',
    },
    {
      name: 'NOMAD_VOLUME_MOUNT',
      default: '/workspaces',
      description: 'Where the volume is mounted in the workspace (default /workspaces).',
    },
    {
      name: 'NOMAD_VOLUME_SIZE',
      description:
        'Capacity asked of the plugin for a volume the provider creates, e.g. 30GB (MB, GB, GiB; the built-in mkdir plugin does not limit it).',
      details: 'Sent as both the least and the most capacity, as Sindri writes `volumes.workspace.size`.',
    },
    {
      name: 'NOMAD_VOLUME_PLUGIN',
      default: 'mkdir',
      description:
        "Plugin that creates the workspace's volume; dynamic - a host volume plugin (default mkdir, built into Nomad); csi - a CSI plugin whose controller can create volumes.",
      details: 'The default applies to `dynamic` only; `csi` without a plugin mounts the registered volume `NOMAD_VOLUME_SOURCE`.',
    },
    {
      name: 'NOMAD_VOLUME_KEEP',
      default: 'false',
      description: "Keep the workspace's volume on delete (default false); the next create of the same machine uses it again.",
      details: 'Files and all.',
    },
    {
      name: 'NOMAD_VOLUME_PARAMETERS_JSON',
      description: 'Plugin parameters for a volume the provider creates, a JSON object of strings, e.g. {"mode": "0755", "uid": "1000"} for mkdir.',
      details: '`mkdir` makes the directory `0700`, owned by root, by default.',
    },
    {
      name: 'NOMAD_VOLUME_READ_ONLY',
      default: 'false',
      description: 'Mount the volume read-only (default false).',
    },
    {
      name: 'NOMAD_VOLUME_ACCESS_MODE',
      default: 'single-node-writer',
      description: 'Access mode (default single-node-writer; for dynamic a host volume mode, single-node-reader-only when read-only).',
    },
    {
      name: 'NOMAD_VOLUME_ATTACHMENT_MODE',
      default: 'file-system',
      description: 'CSI attachment mode, file-system (default) or block-device.',
    },
  ],
};
