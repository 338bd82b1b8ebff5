// What the workspace task is (driver, image, resources, how long to wait) and where it may run.
import type { OptionGroup } from './types.js';

export const WORKSPACE: OptionGroup = {
  name: 'Workspace',
  defaultVisible: true,
  options: [
    {
      name: 'NOMAD_DRIVER',
      common: true,
      default: 'docker',
      description:
        'Task driver: docker (default) or podman run NOMAD_IMAGE; nspawn runs a systemd-nspawn image; exec and raw_exec run on the client host (no container engine).',
      details:
        'raw_exec needs `alloc-node-exec` (Nomad treats exec into a task without filesystem isolation as exec on the node) and cannot mount volumes.',
    },
    {
      name: 'NOMAD_IMAGE',
      common: true,
      default: 'ubuntu:22.04',
      description:
        'Workspace image for docker, podman and nspawn (default ubuntu:22.04). DevPod installs its agent into it, so it needs a shell and curl or wget.',
    },
    {
      name: 'NOMAD_TASK_USER',
      unset: "the driver's",
      description:
        "User the workspace task runs as (Nomad task user). Default the driver's (exec runs as nobody; root there needs the client's user.denylist to allow it).",
      details:
        'In native mode the container user DevPod picks becomes the task user on docker/podman unless this is set ([two modes](operator-guide.md#machine-or-native-mode)).',
    },
    {
      name: 'NOMAD_CPU',
      common: true,
      default: '200',
      description: 'CPU for the workspace task in MHz (default 200). Not with NOMAD_CORES.',
    },
    {
      name: 'NOMAD_CORES',
      common: true,
      description: 'Whole CPU cores reserved for the workspace task. Not with NOMAD_CPU.',
    },
    {
      name: 'NOMAD_MEMORYMB',
      common: true,
      default: '512',
      description: 'Memory in MB or with a unit, e.g. 4GB, 4096MB, 4GiB (default 512).',
      details: 'Units are binary, as Sindri writes `memory: 4GB`.',
    },
    {
      name: 'NOMAD_DISKMB',
      default: '300',
      description: 'Ephemeral disk (sticky) in MB or with a unit (default 300).',
    },
    {
      name: 'NOMAD_TIMEOUT',
      common: true,
      default: '10m',
      description: 'How long create and start wait for the workspace to run, e.g. 10m or 90s (default 10m, at most 24h).',
      details: 'On timeout the message names the last state seen and whether the event stream was down.',
    },
    {
      name: 'INACTIVITY_TIMEOUT',
      common: true,
      unset: 'never',
      description:
        'Stop the workspace after this long without DevPod activity, e.g. 30m or 2h (empty = never). The Nomad job then ends stopped, not restarted; devpod up starts it again.',
      nativeDescription: 'Stop the workspace after this long without activity (e.g. 30m; empty = never). The job then ends stopped, not restarted.',
      details:
        "A duration with a unit (`30m`, `2h`, `90s`), as DevPod reads it ([Stopping idle workspaces](operator-guide.md#stopping-idle-workspaces)). A provider option only (`devpod provider set-options`): DevPod reads it itself, so `.devpod/nomad.yaml` may not set it. In native mode it is DevPod's container inactivity timeout.",
    },
    {
      name: 'NOMAD_CONFIG_FILE',
      default: '.devpod/nomad.yaml',
      description:
        'A YAML file of these options (default .devpod/nomad.yaml, searched from the working directory upwards). Options set here win over the file.',
    },
    {
      name: 'NOMAD_JOB_TEMPLATE',
      description:
        'Path of a Nomad job (HCL, or .json) of your team\'s to run the workspace in: one group with a task named "workspace" plus any sidecars; ${MACHINE_ID}, ${WORKSPACE_ID}, ${JOB_ID}, ${IMAGE}, ${VOLUME_MOUNT}, ${NAMESPACE} are filled in. Relative to the working directory; a repository\'s .devpod/nomad.yaml may not set it.',
      details: "HCL is parsed by the agent's `/v1/jobs/parse` ([Job template](operator-guide.md#job-template)).",
    },
  ],
};

export const PLACEMENT: OptionGroup = {
  name: 'Placement',
  defaultVisible: false,
  options: [
    {
      name: 'NOMAD_DATACENTERS',
      default: '*',
      description: 'Comma-separated datacenters the workspace may run in (default *, any).',
    },
    {
      name: 'NOMAD_NODE_POOL',
      description: 'Nomad node pool for the workspace.',
    },
    {
      name: 'NOMAD_CONSTRAINTS',
      description: 'JSON list of placement constraints, e.g. [{"attribute": "${attr.kernel.name}", "value": "linux"}]; operator defaults to =.',
    },
    {
      name: 'NOMAD_GPU_COUNT',
      common: true,
      default: '0',
      description: 'GPUs for the workspace (default 0). Needs the device plugin on the Nomad clients.',
      details: 'Becomes `device "<NOMAD_GPU_NAME>" { count = N }`, with a `${device.model}` constraint when `NOMAD_GPU_MODEL` is set.',
    },
    {
      name: 'NOMAD_GPU_NAME',
      default: 'nvidia/gpu',
      description: 'GPU device name, type, vendor/type or vendor/type/model (default nvidia/gpu).',
    },
    {
      name: 'NOMAD_GPU_MODEL',
      description: 'Required GPU model, e.g. Tesla T4 (a constraint on ${device.model}).',
    },
  ],
};
