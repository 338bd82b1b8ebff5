// Where the provider connects and how it proves who it is: read as the nomad CLI reads them.
import type { OptionGroup } from './types.js';

export const CONNECTION: OptionGroup = {
  name: 'Nomad connection',
  defaultVisible: true,
  options: [
    {
      name: 'NOMAD_ADDR',
      common: true,
      default: 'http://127.0.0.1:4646',
      fromShell: true,
      description: 'Address of the Nomad HTTP API (http(s)://host:port or unix:///path). Default http://127.0.0.1:4646.',
    },
    {
      name: 'NOMAD_TOKEN',
      common: true,
      secret: true,
      fromShell: true,
      description: 'Nomad ACL token (needs submit-job, read-job, alloc-exec, and alloc-node-exec for raw_exec, in the namespace).',
      details:
        '[`deploy/nomad-acl-policy.hcl`](../deploy/nomad-acl-policy.hcl) is the least-privilege policy; `init` names what a token lacks for the options given ([ACL policy](operator-guide.md#acl-policy-and-mutual-tls)).',
    },
    {
      name: 'NOMAD_NAMESPACE',
      common: true,
      default: 'default',
      fromShell: true,
      description: 'Nomad namespace for workspace jobs. Default "default".',
    },
    {
      name: 'NOMAD_REGION',
      unset: "the agent's own",
      fromShell: true,
      description: "Nomad region. Default the agent's own.",
    },
    {
      name: 'NOMAD_HTTP_AUTH',
      secret: true,
      fromShell: true,
      description: 'user:password for HTTP basic auth, when a proxy in front of Nomad asks for it.',
      details: 'Sent on every request, the event stream and the exec websocket.',
    },
  ],
};

export const TLS: OptionGroup = {
  name: 'Nomad TLS',
  defaultVisible: false,
  options: [
    {
      name: 'NOMAD_CACERT',
      fromShell: true,
      description: "Path of the PEM CA certificate that signed the Nomad agents' certificates.",
      details: 'A handshake failure names the one TLS setting to look at (client certificate required, CA, server name).',
    },
    {
      name: 'NOMAD_CAPATH',
      fromShell: true,
      description: "Directory of PEM CA certificates, one of which signed the Nomad agents' certificates.",
    },
    {
      name: 'NOMAD_CLIENT_CERT',
      fromShell: true,
      description: 'Path of a PEM client certificate, when the agents require mutual TLS.',
    },
    {
      name: 'NOMAD_CLIENT_KEY',
      fromShell: true,
      description: 'Path of the PEM key of NOMAD_CLIENT_CERT.',
    },
    {
      name: 'NOMAD_TLS_SERVER_NAME',
      fromShell: true,
      description: "Server name to verify the agent's certificate against, when it differs from the address.",
    },
    {
      name: 'NOMAD_SKIP_VERIFY',
      default: 'false',
      fromShell: true,
      description: "Skip verifying the agent's TLS certificate (insecure). Default false.",
    },
  ],
};
