// The native provider file (provider-native.yaml), derived from provider.yaml: the same options and binary, on
// DevPod's custom driver. DevPod's agent runs locally (agent.local) and calls our `native` commands; the devcontainer
// is the Nomad task. No machine commands. The name has no `-`, so that DevPod's fork can take options from
// DEVPOD_PROVIDER_NOMADNATIVE_<OPTION> (Devsy: DEVSY_PROVIDER_…).

/**
 * Options only the native provider file has (src/adapters/config/catalog/ marks them nativeOnly), each placed in its
 * group after the option named: DevPod's dockerless builder, which only a custom driver uses (agent.dockerless),
 * and NOMAD_ALLOW_PRIVILEGED, for devcontainers that ask for a privileged container.
 */
const NATIVE_ONLY = [
  {
    after: 'NOMAD_DOCKER_ACCESS',
    name: 'NOMAD_ALLOW_PRIVILEGED',
    spec: {
      description:
        'true lets a devcontainer that asks for privileged (devcontainer.json "privileged": true) run as a privileged docker task. Default false: refused.',
    },
  },
  {
    after: 'INJECT_DOCKER_CREDENTIALS',
    name: 'DOCKERLESS_IMAGE',
    spec: {
      description:
        "The image DevPod builds Dockerfile and features devcontainers with inside the task (its dockerless builder). Default DevPod's own.",
    },
  },
  {
    after: 'DOCKERLESS_IMAGE',
    name: 'DOCKERLESS_DISABLED',
    spec: {
      description: 'Never build in the task: a Dockerfile or features devcontainer then needs a prebuilt image, else devpod up fails.',
      type: 'boolean',
      default: 'false',
    },
  },
];

/** provider.yaml's document → provider-native.yaml's (a copy; the argument is not changed). */
export function nativeProvider(doc) {
  const native = structuredClone(doc);
  native.name = 'nomadnative';
  native.description = 'DevPod on HashiCorp Nomad, native: the devcontainer itself runs as the Nomad task (custom driver).';
  delete native.options.AGENT_PATH;
  delete native.options.AGENT_DATA_PATH;
  // INACTIVITY_TIMEOUT is DevPod's container inactivity timeout here (DevPod stops the devcontainer through `native stop`).
  native.options.INACTIVITY_TIMEOUT = {
    description: 'Stop the workspace after this long without activity (e.g. 30m; empty = never). The job then ends stopped, not restarted.',
  };
  // NOMAD_PORTS takes `devcontainer` here too: the devcontainer's own forwardPorts (src/native/forward-ports.ts).
  native.options.NOMAD_PORTS = {
    description:
      "Workspace ports to publish as Nomad services, reachable without SSH: a comma-separated list of [label=]port, e.g. web=3000,api=8080 (label default p<port>), or devcontainer: the devcontainer's forwardPorts. Empty (default): nothing published.",
  };
  native.optionGroups = native.optionGroups.map((g) => ({ ...g, options: g.options.filter((o) => o in native.options) }));
  for (const { after, name, spec } of NATIVE_ONLY) {
    native.options[name] = spec;
    const group = native.optionGroups.find((g) => g.options.includes(after));
    group.options.splice(group.options.indexOf(after) + 1, 0, name);
  }
  const run = (sub) => `\${NOMAD_PROVIDER} native ${sub}`;
  native.agent = {
    local: 'true',
    driver: 'custom',
    containerInactivityTimeout: '${INACTIVITY_TIMEOUT}',
    injectGitCredentials: '${INJECT_GIT_CREDENTIALS}',
    injectDockerCredentials: '${INJECT_DOCKER_CREDENTIALS}',
    // DevPod's builder for Dockerfile and features devcontainers, run as the task (docs/operator-guide.md). DevPod's
    // own REGISTRY_CACHE context option reaches it as agent.dockerless.registryCache; nothing here masks it.
    dockerless: { image: '${DOCKERLESS_IMAGE}', disabled: '${DOCKERLESS_DISABLED}' },
    binaries: structuredClone(native.binaries),
    custom: {
      findDevContainer: run('find'),
      commandDevContainer: run('command'),
      targetArchitecture: run('target-architecture'),
      runDevContainer: run('run'),
      startDevContainer: run('start'),
      stopDevContainer: run('stop'),
      deleteDevContainer: run('delete'),
    },
  };
  // exec.command runs on this machine (the agent is local): through our binary, not `"${DEVPOD}" helper sh -c`, so
  // that the file names nothing of one CLI's (Devsy's are ${DEVSY} and `devsy internal`). Hence top-level binaries too.
  native.exec = { command: run('local-command'), describe: run('describe') };
  return native;
}
