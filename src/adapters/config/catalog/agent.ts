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
  ],
};
