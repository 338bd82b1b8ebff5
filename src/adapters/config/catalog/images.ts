// Pulling the image from a private registry, the CAs the workspace trusts, and what the container may reach.
import type { OptionGroup } from './types.js';

export const IMAGES: OptionGroup = {
  name: 'Images and registries',
  defaultVisible: false,
  options: [
    {
      name: 'NOMAD_REGISTRY_AUTH',
      common: true,
      default: 'client',
      description:
        "Private registry credentials: client (default; the Nomad client's docker plugin auth config or credential helpers, nothing in the job) or job (the username and password below; the password is kept in the Nomad Variable nomad/jobs/<workspace job>, never in the job).",
      details:
        'Credentials with `client` are refused, not silently mixed; `job` needs an image driver (docker, podman) ([Private registries](operator-guide.md#private-registries)).',
    },
    {
      name: 'NOMAD_REGISTRY_USERNAME',
      description: 'Registry user name for NOMAD_REGISTRY_AUTH=job.',
    },
    {
      name: 'NOMAD_REGISTRY_PASSWORD',
      secret: true,
      description:
        'Registry password for NOMAD_REGISTRY_AUTH=job (never printed, never in the job; kept in the Nomad Variable nomad/jobs/<workspace job>, which the workspace task reads into its DEVPOD_REGISTRY_PASSWORD).',
    },
    {
      name: 'NOMAD_REGISTRY_SERVER',
      description: 'Registry address for NOMAD_REGISTRY_AUTH=job, e.g. registry.example:5000.',
      details: 'Needed when the image names another host.',
    },
    {
      name: 'NOMAD_CA_CERTS',
      default: 'none',
      description:
        'CA certificates from the Nomad client mounted read-only into the workspace, trust store refreshed at start: none (default), "default" (the Go provider\'s /etc/docker/certs.d and registry.cluster.crt), or host[:task] paths separated by commas.',
      details:
        "`default` is `/etc/docker/certs.d` and `/usr/local/share/ca-certificates/registry.cluster.crt`. `command` waits for the refresh. On docker the client's docker plugin must have `volumes { enabled = true }` (off by default in Nomad): the job carries that as a constraint, so `plan`/`create` name a client without it instead of the task failing there.",
    },
    {
      name: 'NOMAD_DOCKER_ACCESS',
      default: 'none',
      description:
        "none (default) or host-socket: mount the node's Docker socket into a privileged docker task, as the Go providers do. Anyone in the workspace is then root on the node.",
      details:
        "DevPod's docker driver inside the workspace then uses the node's daemon. Explicit opt-in only; the job is constrained to clients whose docker plugin allows volumes and privileged containers.",
    },
    {
      name: 'NOMAD_ALLOW_PRIVILEGED',
      default: 'false',
      nativeOnly: true,
      description:
        'true lets a devcontainer that asks for privileged (devcontainer.json "privileged": true) run as a privileged docker task. Default false: refused.',
      details:
        "A privileged container is root on the node. DevPod passes devcontainer.json's `privileged` in its run options; without this option `native run` refuses them by name before anything is submitted, so a repository cannot raise its own rights. With it, the job is constrained to clients whose docker plugin has `allow_privileged = true`. DevPod's dockerless build needs no privileges (docs/operator-guide.md).",
    },
    {
      name: 'NOMAD_NSPAWN_CONFIG_JSON',
      description: 'JSON object of extra nspawn driver options, e.g. {"resolv_conf": "copy-host", "user_namespacing": false}.',
      details:
        "Each key type-checked: `boot`, `ephemeral`, `network_veth`, `process_two`, `read_only`, `user_namespacing`, `console`, `resolv_conf`, `user`, `volatile`, `working_directory`, `pivot_root`, `bind`, `bind_read_only`, `environment`, `port_map`, `command`. Over the provider's defaults `boot: true` (`command` execs with systemd-run, which needs the image's systemd booted), `network_veth: false` (the node's network: a veth link makes the driver wait 30 s for an address the image must configure itself) and `ephemeral: true` (a throwaway copy of the image; not with `volatile` or `read_only`). `boot: false`, `process_two`, `user` and `port_map` are refused, as is `network_veth: true` with NOMAD_PORTS; with `boot`, `command` is arguments to the image's systemd ([nspawn](drivers.md#nspawn)).",
    },
  ],
};
