// DevPod's own agent settings: DevPod reads these itself, so provider.yaml carries their defaults.
import type { OptionGroup } from './types.js';

export const AGENT: OptionGroup = {
  name: 'DevPod agent',
  defaultVisible: false,
  options: [
    {
      name: 'AGENT_PATH',
      default: '/tmp/devpod/agent',
      devpodReads: true,
      machineOnly: true,
      description: "Where DevPod's agent binary is installed inside the workspace.",
    },
    {
      name: 'AGENT_DATA_PATH',
      default: '/tmp/devpod/data',
      devpodReads: true,
      machineOnly: true,
      description: "Where DevPod's agent keeps its data inside the workspace.",
    },
    {
      name: 'INJECT_GIT_CREDENTIALS',
      default: 'true',
      devpodReads: true,
      type: 'boolean',
      description: 'Forward git credentials from this machine into the workspace.',
    },
    {
      name: 'INJECT_DOCKER_CREDENTIALS',
      default: 'true',
      devpodReads: true,
      type: 'boolean',
      description: 'Forward docker credentials from this machine into the workspace.',
    },
    {
      name: 'DOCKERLESS_IMAGE',
      unset: "DevPod's own (ghcr.io/loft-sh/dockerless:0.2.0)",
      devpodReads: true,
      nativeOnly: true,
      description:
        "The image DevPod builds Dockerfile and features devcontainers with inside the task (its dockerless builder). Default DevPod's own.",
      details:
        "DevPod's `agent.dockerless.image`. A devcontainer with `build.dockerfile` or `features` and no prebuilt image (`devpod up --prebuild-repository`) starts from this image; kaniko inside it then builds the devcontainer's own root filesystem. Set it to a copy in your registry when the nodes cannot reach ghcr.io. Yours only: a repository may not swap the builder that runs with its build's credentials.",
    },
    {
      name: 'DOCKERLESS_DISABLED',
      default: 'false',
      devpodReads: true,
      nativeOnly: true,
      type: 'boolean',
      description: 'Never build in the task: a Dockerfile or features devcontainer then needs a prebuilt image, else devpod up fails.',
      details:
        "DevPod's `agent.dockerless.disabled`: `devpod up` then ends with DevPod's own error (`cannot build devcontainer because driver is non-docker and dockerless fallback is disabled`) before anything is submitted. For teams that build every devcontainer in CI (the prebuild route).",
    },
  ],
};
