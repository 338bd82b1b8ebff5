// Workspace ports reachable without SSH: published as Nomad-native services, with addresses and URLs.
import type { OptionGroup } from './types.js';

export const PORTS: OptionGroup = {
  name: 'Ports',
  defaultVisible: false,
  options: [
    {
      name: 'NOMAD_PORTS',
      unset: 'none',
      description:
        'Workspace ports to publish as Nomad services, reachable without SSH: a comma-separated list of [label=]port, e.g. web=3000,api=8080 (label default p<port>). Empty (default): nothing published.',
      nativeDescription:
        "Workspace ports to publish as Nomad services, reachable without SSH: a comma-separated list of [label=]port, e.g. web=3000,api=8080 (label default p<port>), or devcontainer: the devcontainer's forwardPorts. Empty (default): nothing published.",
      details:
        'Each gets a dynamic host port on the node (docker and podman map it to the port; on exec, raw_exec and nspawn nothing maps, so the app listens on `$NOMAD_PORT_<label>`, which equals `$NOMAD_HOST_PORT_<label>`; Nomad writes a `-` of the label as `_`) and a Nomad-native service with a TCP check. `status --output json` and `describe` show each address. A published port is reachable by anyone with network reach to the node ([Ports](operator-guide.md#ports), [security](security.md#published-ports)).',
    },
    {
      name: 'NOMAD_PORTS_HOST_NETWORK',
      unset: "the client's default network",
      description: 'A host_network of the Nomad clients to publish the ports on, e.g. private (the job is then placed only on clients that have it).',
    },
    {
      name: 'NOMAD_SERVICE_TAGS',
      description:
        "Tags for each published port's service, comma-separated (or a JSON list), with ${WORKSPACE}, ${LABEL}, ${PORT}, ${SERVICE} and ${HOST} filled in, e.g. traefik.enable=true,traefik.http.routers.${SERVICE}.rule=Host(`${HOST}`).",
      details:
        '`${SERVICE}` is the service name, `<label>-<workspace>`; `${HOST}` is `<service>.<NOMAD_INGRESS_DOMAIN>` ([Traefik example](operator-guide.md#ports)).',
    },
    {
      name: 'NOMAD_INGRESS_DOMAIN',
      description:
        "Domain your ingress (e.g. Traefik reading Nomad services) serves workspaces under: each port's URL is then http://<label>-<workspace>.<domain>.",
      details:
        "Optionally with `:port` when the ingress listens on another port. The provider shows the URL; routing it is the ingress's work (the tags above).",
    },
  ],
};
