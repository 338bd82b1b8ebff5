// Bad option values and the one message each must produce; used by the config unit tests and, through the real
// binary, by the CLI tests (which also check that nothing reaches Nomad).
import { PORTS_BAD_INPUT, PORTS_WHY } from './bad-input-ports.js';

const SECRETS = '[{"path":"secret/data/app","fields":{"password":"DB_PASSWORD"}}]';
const VAULT_OK = { VAULT_ADDR: 'https://vault:8200', VAULT_POLICIES_JSON: '["p"]', VAULT_SECRETS_JSON: SECRETS };

/** [what, environment, the one message expected] */
export const BAD_INPUT: [string, Record<string, string>, string][] = [
  ['non-numeric CPU', { NOMAD_CPU: 'lots' }, 'NOMAD_CPU="lots" is not valid: expected a whole number of MHz greater than 0, e.g. 500'],
  ['zero CPU', { NOMAD_CPU: '0' }, 'NOMAD_CPU="0" is not valid: expected a whole number of MHz greater than 0, e.g. 500'],
  ['fractional CPU', { NOMAD_CPU: '1.5' }, 'NOMAD_CPU="1.5" is not valid: expected a whole number of MHz greater than 0, e.g. 500'],
  [
    'negative memory',
    { NOMAD_MEMORYMB: '-512' },
    'NOMAD_MEMORYMB="-512" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB',
  ],
  [
    'unknown memory unit',
    { NOMAD_MEMORYMB: '4 parsecs' },
    'NOMAD_MEMORYMB="4 parsecs" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB',
  ],
  [
    'memory word',
    { NOMAD_MEMORYMB: 'big' },
    'NOMAD_MEMORYMB="big" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB',
  ],
  ['disk unit', { NOMAD_DISKMB: '10XB' }, 'NOMAD_DISKMB="10XB" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 300 or 10GB'],
  ['cores zero', { NOMAD_CORES: '0' }, 'NOMAD_CORES="0" is not valid: expected a whole number of CPU cores greater than 0'],
  [
    'cores and cpu',
    { NOMAD_CORES: '2', NOMAD_CPU: '500' },
    'NOMAD_CPU and NOMAD_CORES are both set: expected one of them (MHz shares, or whole reserved cores)',
  ],
  ['unknown driver', { NOMAD_DRIVER: 'lxc' }, 'NOMAD_DRIVER="lxc" is not valid: expected one of docker, podman, exec, raw_exec, nspawn'],
  ['bad timeout', { NOMAD_TIMEOUT: 'soon' }, 'NOMAD_TIMEOUT="soon" is not valid: expected a duration of at most 24h, e.g. 10m or 90s'],
  // 100000h overflowed Node's timer: every wait failed at once, after the job was registered.
  [
    'a timeout beyond what a timer holds',
    { NOMAD_TIMEOUT: '100000h' },
    'NOMAD_TIMEOUT="100000h" is not valid: expected a duration of at most 24h, e.g. 10m or 90s',
  ],
  [
    'a timeout just over a day',
    { NOMAD_TIMEOUT: '24h1s' },
    'NOMAD_TIMEOUT="24h1s" is not valid: expected a duration of at most 24h, e.g. 10m or 90s',
  ],
  [
    'an inactivity timeout without a unit (DevPod reads it as Go does)',
    { INACTIVITY_TIMEOUT: '30' },
    'INACTIVITY_TIMEOUT="30" is not valid: expected a duration with a unit as DevPod reads it, e.g. 30m, 1h or 90s (empty: never)',
  ],
  [
    'an inactivity timeout of zero',
    { INACTIVITY_TIMEOUT: '0s' },
    'INACTIVITY_TIMEOUT="0s" is not valid: expected a duration with a unit as DevPod reads it, e.g. 30m, 1h or 90s (empty: never)',
  ],
  [
    'an inactivity timeout in days',
    { INACTIVITY_TIMEOUT: '1d' },
    'INACTIVITY_TIMEOUT="1d" is not valid: expected a duration with a unit as DevPod reads it, e.g. 30m, 1h or 90s (empty: never)',
  ],
  [
    'job template that is not there',
    { NOMAD_JOB_TEMPLATE: '/nonexistent/team.hcl' },
    'NOMAD_JOB_TEMPLATE="/nonexistent/team.hcl" is not valid: expected a readable Nomad job file, HCL or .json (ENOENT reading /nonexistent/team.hcl)',
  ],
  ['bad address', { NOMAD_ADDR: 'nomad.example' }, 'NOMAD_ADDR="nomad.example" is not valid: expected http(s)://host:port or unix:///path/to/socket'],
  ['bad skip-verify', { NOMAD_SKIP_VERIFY: 'maybe' }, 'NOMAD_SKIP_VERIFY="maybe" is not valid: expected true or false'],
  [
    'malformed VAULT_SECRETS_JSON',
    { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path": ' },
    'VAULT_SECRETS_JSON="[{\\"path\\": " is not valid: expected a JSON list of {"path": "secret/data/...", "fields": {"vault_field": "ENV_NAME"}} (JSON: Unexpected end of JSON input)',
  ],
  [
    'VAULT_SECRETS_JSON not a list',
    { ...VAULT_OK, VAULT_SECRETS_JSON: '{"path":"secret/data/a"}' },
    'VAULT_SECRETS_JSON="{\\"path\\":\\"secret/data/a\\"}" is not valid: expected a JSON list of {"path": "secret/data/...", "fields": {"vault_field": "ENV_NAME"}}',
  ],
  [
    'secret path without a mount',
    { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"app","fields":{"a":"A"}}]' },
    'VAULT_SECRETS_JSON[0].path="app" is not valid: expected a Vault path <mount>/<path>, e.g. secret/data/app (KV v2) or kv/app (KV v1)',
  ],
  [
    'secret path with ..',
    { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"secret/../sys/x","fields":{"a":"A"}}]' },
    'VAULT_SECRETS_JSON[0].path="secret/../sys/x" is not valid: expected a Vault path <mount>/<path>, e.g. secret/data/app (KV v2) or kv/app (KV v1)',
  ],
  [
    'secret with empty fields',
    { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{}}]' },
    'VAULT_SECRETS_JSON[0].fields is empty: expected at least one mapping of a Vault field to an environment variable, e.g. {"password": "DB_PASSWORD"}',
  ],
  [
    'invalid env name',
    { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{"pw":"1-BAD"}}]' },
    'VAULT_SECRETS_JSON[0].fields.pw="1-BAD" is not valid: expected an environment variable name (letters, digits, _; not starting with a digit)',
  ],
  [
    'policies not a list',
    { ...VAULT_OK, VAULT_POLICIES_JSON: '"p"' },
    'VAULT_POLICIES_JSON="\\"p\\"" is not valid: expected a JSON list of Vault policy names, e.g. ["devpod-secrets"]',
  ],
  [
    'unknown change mode',
    { ...VAULT_OK, VAULT_CHANGE_MODE: 'reboot' },
    'VAULT_CHANGE_MODE="reboot" is not valid: expected one of restart, noop, signal',
  ],
  [
    'bad change signal',
    { ...VAULT_OK, VAULT_CHANGE_MODE: 'signal', VAULT_CHANGE_SIGNAL: 'hup' },
    'VAULT_CHANGE_SIGNAL="hup" is not valid: expected a signal name such as SIGHUP',
  ],
  [
    'nspawn option of the wrong type',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"boot":"yes"}' },
    'NOMAD_NSPAWN_CONFIG_JSON.boot="yes" is not valid: expected true or false',
  ],
  [
    'nspawn bind of the wrong type',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"bind":["/a"]}' },
    'NOMAD_NSPAWN_CONFIG_JSON.bind=["/a"] is not valid: expected an object of strings',
  ],
  [
    'unknown nspawn option',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"privileged":true}' },
    'NOMAD_NSPAWN_CONFIG_JSON.privileged is not an nspawn driver option: expected one of boot, ephemeral, network_veth, process_two, read_only, user_namespacing, console, resolv_conf, user, volatile, working_directory, pivot_root, bind, bind_read_only, environment, port_map, command',
  ],
  [
    'nspawn without boot',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"boot":false}' },
    "NOMAD_NSPAWN_CONFIG_JSON.boot=false cannot work: the nspawn driver runs every command (DevPod's agent too) with systemd-run --machine, which needs the image's systemd booted as the container's PID 1: expected boot true (the default), with a systemd image",
  ],
  [
    'nspawn with a stub init',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"process_two":true}' },
    "NOMAD_NSPAWN_CONFIG_JSON.process_two=true cannot work: it runs a stub init instead of the image's systemd, and the nspawn driver runs every command (DevPod's agent too) with systemd-run --machine, which needs the image's systemd booted as the container's PID 1: leave process_two out",
  ],
  [
    'nspawn port_map',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"port_map":{"http":"80"}}' },
    'NOMAD_NSPAWN_CONFIG_JSON.port_map cannot work: nomad-driver-nspawn maps ports only from task network resources, which Nomad removed in 0.12 (the task fails with "Trying to map ports but no network interface is available"): publish ports with NOMAD_PORTS, and the app listens on $NOMAD_PORT_<label>',
  ],
  [
    'nspawn published ports on a veth link',
    { NOMAD_DRIVER: 'nspawn', NOMAD_PORTS: 'web=3000', NOMAD_NSPAWN_CONFIG_JSON: '{"network_veth":true}' },
    "NOMAD_PORTS with NOMAD_NSPAWN_CONFIG_JSON.network_veth=true cannot work: the published ports are the node's, and the workspace on its own veth link does not listen there: leave network_veth out (the workspace shares the node's network) or NOMAD_PORTS empty",
  ],
  [
    'nspawn user',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"user":"dev"}' },
    "NOMAD_NSPAWN_CONFIG_JSON.user cannot work: with --user the image's systemd runs as that user and cannot boot (Failed to mount API filesystems), and commands run as root through systemd-run anyway: leave user out (DevPod's agent picks the user inside the workspace)",
  ],
  [
    'nspawn task user',
    { NOMAD_DRIVER: 'nspawn', NOMAD_TASK_USER: 'dev' },
    "NOMAD_TASK_USER=dev cannot work with NOMAD_DRIVER=nspawn: the driver boots the image's systemd as root and runs commands as root through systemd-run, whatever the task's user: leave NOMAD_TASK_USER unset (DevPod's agent picks the user inside the workspace)",
  ],
  [
    'nspawn options with another driver',
    { NOMAD_DRIVER: 'docker', NOMAD_NSPAWN_CONFIG_JSON: '{"boot":true}' },
    'NOMAD_NSPAWN_CONFIG_JSON is set but NOMAD_DRIVER=docker: expected NOMAD_DRIVER=nspawn',
  ],
  [
    'docker socket without docker',
    { NOMAD_DRIVER: 'exec', NOMAD_DOCKER_ACCESS: 'host-socket' },
    "NOMAD_DOCKER_ACCESS=host-socket needs NOMAD_DRIVER=docker (got exec): the host's Docker socket can only be mounted into a docker task",
  ],
  ['unknown docker access', { NOMAD_DOCKER_ACCESS: 'dind' }, 'NOMAD_DOCKER_ACCESS="dind" is not valid: expected one of none, host-socket'],
  [
    'relative cert path',
    { NOMAD_CA_CERTS: 'certs/ca.crt' },
    'NOMAD_CA_CERTS="certs/ca.crt" is not valid: expected "default", "none", or absolute host[:task] paths separated by commas, e.g. /etc/ssl/my-ca.crt:/usr/local/share/ca-certificates/my-ca.crt',
  ],
  [
    'registry auth both ways',
    { NOMAD_REGISTRY_AUTH: 'client', NOMAD_REGISTRY_USERNAME: 'u', NOMAD_REGISTRY_PASSWORD: 'p' },
    'NOMAD_REGISTRY_AUTH=client but NOMAD_REGISTRY_USERNAME/NOMAD_REGISTRY_PASSWORD are set: expected either client-side credentials (docker plugin auth config or credential helpers, nothing in the job) or NOMAD_REGISTRY_AUTH=job with a username and password, not both',
  ],
  [
    'job auth without password',
    { NOMAD_REGISTRY_AUTH: 'job', NOMAD_REGISTRY_USERNAME: 'u' },
    'NOMAD_REGISTRY_AUTH=job needs NOMAD_REGISTRY_USERNAME and NOMAD_REGISTRY_PASSWORD: expected both to be set',
  ],
  ['unknown registry auth', { NOMAD_REGISTRY_AUTH: 'ldap' }, 'NOMAD_REGISTRY_AUTH="ldap" is not valid: expected one of client, job'],
  ['negative GPU count', { NOMAD_GPU_COUNT: '-1' }, 'NOMAD_GPU_COUNT="-1" is not valid: expected a whole number of GPUs (0 for none)'],
  [
    'bad GPU name',
    { NOMAD_GPU_COUNT: '1', NOMAD_GPU_NAME: 'nvidia gpu!' },
    'NOMAD_GPU_NAME="nvidia gpu!" is not valid: expected a device name: type, vendor/type or vendor/type/model, e.g. nvidia/gpu',
  ],
  ['unknown volume type', { NOMAD_VOLUME_TYPE: 'nfs' }, 'NOMAD_VOLUME_TYPE="nfs" is not valid: expected one of none, host, csi, dynamic'],
  [
    'host volume without source',
    { NOMAD_VOLUME_TYPE: 'host' },
    'NOMAD_VOLUME_TYPE=host needs NOMAD_VOLUME_SOURCE: expected the client host volume name',
  ],
  [
    'CSI volume without source or plugin',
    { NOMAD_VOLUME_TYPE: 'csi' },
    'NOMAD_VOLUME_TYPE=csi needs NOMAD_VOLUME_SOURCE or NOMAD_VOLUME_PLUGIN: expected the registered CSI volume id, or the CSI plugin id to create a volume per workspace with',
  ],
  [
    'CSI volume with source and plugin',
    { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_SOURCE: 'v', NOMAD_VOLUME_PLUGIN: 'p' },
    'NOMAD_VOLUME_TYPE=csi takes NOMAD_VOLUME_SOURCE or NOMAD_VOLUME_PLUGIN, not both: expected the registered CSI volume id, or the CSI plugin id to create a volume per workspace with',
  ],
  [
    'relative volume mount',
    { NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'ws', NOMAD_VOLUME_MOUNT: 'work' },
    'NOMAD_VOLUME_MOUNT="work" is not valid: expected an absolute path inside the workspace other than /, e.g. /workspaces',
  ],
  [
    'dynamic volume without a mount path (relative)',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_MOUNT: 'workspaces' },
    'NOMAD_VOLUME_MOUNT="workspaces" is not valid: expected an absolute path inside the workspace other than /, e.g. /workspaces',
  ],
  [
    'dynamic volume mounted over the root',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_MOUNT: '/' },
    'NOMAD_VOLUME_MOUNT="/" is not valid: expected an absolute path inside the workspace other than /, e.g. /workspaces',
  ],
  [
    'CSI volume on raw_exec',
    { NOMAD_DRIVER: 'raw_exec', NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'p' },
    'NOMAD_VOLUME_TYPE=csi needs a driver that mounts CSI volumes, and NOMAD_DRIVER=raw_exec does not (its tasks have no filesystem isolation): expected docker, podman or exec',
  ],
  [
    'dynamic volume on raw_exec',
    { NOMAD_DRIVER: 'raw_exec', NOMAD_VOLUME_TYPE: 'dynamic' },
    'NOMAD_VOLUME_TYPE=dynamic needs a driver that mounts host volumes, and NOMAD_DRIVER=raw_exec does not (its tasks have no filesystem isolation): expected docker, podman or exec',
  ],
  [
    'dynamic volume with a source',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_SOURCE: 'shared' },
    'NOMAD_VOLUME_SOURCE is set but NOMAD_VOLUME_TYPE=dynamic: the provider names the volume after the workspace; expected no NOMAD_VOLUME_SOURCE (or NOMAD_VOLUME_TYPE=host for a volume of that name)',
  ],
  [
    'bad volume size',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_SIZE: '30 parsecs' },
    'NOMAD_VOLUME_SIZE="30 parsecs" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 30GB',
  ],
  [
    'zero volume size',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_SIZE: '0GB' },
    'NOMAD_VOLUME_SIZE="0GB" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 30GB',
  ],
  [
    'volume size for a volume the provider does not create',
    { NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'ws', NOMAD_VOLUME_SIZE: '30GB' },
    'NOMAD_VOLUME_SIZE is set but NOMAD_VOLUME_TYPE=host: a size applies only to a volume the provider creates (NOMAD_VOLUME_TYPE=dynamic, or csi with NOMAD_VOLUME_PLUGIN)',
  ],
  [
    'volume keep without a volume',
    { NOMAD_VOLUME_KEEP: 'true' },
    'NOMAD_VOLUME_KEEP is set but NOMAD_VOLUME_TYPE=none: only a volume the provider creates is kept or removed (NOMAD_VOLUME_TYPE=dynamic, or csi with NOMAD_VOLUME_PLUGIN)',
  ],
  [
    'volume parameters not an object',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_PARAMETERS_JSON: '["0755"]' },
    'NOMAD_VOLUME_PARAMETERS_JSON="[\\"0755\\"]" is not valid: expected a JSON object of plugin parameters with string values, e.g. {"mode": "0755", "uid": "1000"}',
  ],
  [
    'volume parameter not a string',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_PARAMETERS_JSON: '{"uid":1000}' },
    'NOMAD_VOLUME_PARAMETERS_JSON="{\\"uid\\":1000}" is not valid: expected a JSON object of plugin parameters with string values, e.g. {"mode": "0755", "uid": "1000"}',
  ],
  [
    "volume parameters for an operator's volume",
    { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_SOURCE: 'v', NOMAD_VOLUME_PARAMETERS_JSON: '{}' },
    'NOMAD_VOLUME_PARAMETERS_JSON is set but NOMAD_VOLUME_TYPE=csi: plugin parameters apply only to a volume the provider creates (NOMAD_VOLUME_TYPE=dynamic, or csi with NOMAD_VOLUME_PLUGIN)',
  ],
  [
    'bad volume keep',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_KEEP: 'forever' },
    'NOMAD_VOLUME_KEEP="forever" is not valid: expected true or false',
  ],
  [
    "plugin for an operator's host volume",
    { NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'ws', NOMAD_VOLUME_PLUGIN: 'mkdir' },
    'NOMAD_VOLUME_PLUGIN is set but NOMAD_VOLUME_TYPE=host: expected NOMAD_VOLUME_TYPE=dynamic for a host volume the provider creates with that plugin',
  ],
  [
    'CSI access mode for a dynamic host volume',
    { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_ACCESS_MODE: 'multi-node-multi-writer' },
    'NOMAD_VOLUME_ACCESS_MODE="multi-node-multi-writer" is not valid: expected one of single-node-writer, single-node-reader-only, single-node-single-writer, single-node-multi-writer (host volume access modes)',
  ],
  [
    'bad CSI access mode',
    { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_SOURCE: 'v', NOMAD_VOLUME_ACCESS_MODE: 'rw' },
    'NOMAD_VOLUME_ACCESS_MODE="rw" is not valid: expected one of single-node-writer, single-node-reader-only, multi-node-reader-only, multi-node-single-writer, multi-node-multi-writer',
  ],
  [
    'malformed constraints',
    { NOMAD_CONSTRAINTS: 'kernel=linux' },
    'NOMAD_CONSTRAINTS="kernel=linux" is not valid: expected a JSON list of {"attribute", "operator", "value"}, e.g. [{"attribute": "${attr.kernel.name}", "value": "linux"}] (JSON: Unexpected token \'k\', "kernel=linux" is not valid JSON)',
  ],
  [
    'unknown constraint operator',
    { NOMAD_CONSTRAINTS: '[{"attribute":"${attr.kernel.name}","operator":"~","value":"linux"}]' },
    'NOMAD_CONSTRAINTS[0].operator="~" is not valid: expected one of =, !=, >, >=, <, <=, regexp, set_contains, set_contains_any, version, semver, is_set, is_not_set, distinct_hosts, distinct_property',
  ],
  ...PORTS_BAD_INPUT,
];

/** The one refusal of a personal option that a repository's file sets (src/adapters/config/trust.ts). */
const personal =
  (name: string, value: string, why: string, secret = false) =>
  (file: string) =>
    `${secret ? `${name} (value hidden)` : `${name}=${JSON.stringify(value)}`} is set in ${file}, a repository's file, which may not set it: ${why}. ` +
    `If you mean it, set it in your own provider options: devpod provider set-options -o ${name}=${secret ? '…' : value}`;
/** The refusal of a value that lowers isolation, of an option a repository may otherwise set. */
const unsafe = (name: string, value: string, allowed: string, why: string) => (file: string) =>
  `${name}=${JSON.stringify(value)} is set in ${file}, a repository's file, which may set ${name} only ${allowed}: ${why}. ` +
  `If you mean it, set it in your own provider options: devpod provider set-options -o ${name}=${value}`;
const DEVPOD_READS = "DevPod reads it itself, from the provider's options only";
const TLS_TRUST = 'it decides which Nomad servers the provider trusts with your token';

/**
 * A repository's .devpod/nomad.yaml that sets what only the person's own provider options may set:
 * [what, the file's options, extra environment, the one message expected given the file's path]. Each is refused
 * before any request; the CLI test runs each through the binary against a recording proxy that must see nothing.
 */
export const BAD_FILE_INPUT: [string, Record<string, string>, Record<string, string>, (file: string) => string][] = [
  // Written out once in full: the option, the value, the file, why, and where to set it instead.
  [
    'the Nomad address',
    { NOMAD_ADDR: 'http://nomad.attacker.example:4646' },
    {},
    (file) =>
      `NOMAD_ADDR="http://nomad.attacker.example:4646" is set in ${file}, a repository's file, which may not set it: it is where the provider sends your token and your workspace. ` +
      'If you mean it, set it in your own provider options: devpod provider set-options -o NOMAD_ADDR=http://nomad.attacker.example:4646',
  ],
  [
    'a Nomad token (never echoed)',
    { NOMAD_TOKEN: 'c0ffee00-5ec2-4e7a-9b1d-70ce11ed5ec2' },
    {},
    personal('NOMAD_TOKEN', '', 'it is your Nomad credential', true),
  ],
  ['the region', { NOMAD_REGION: 'elsewhere' }, {}, personal('NOMAD_REGION', 'elsewhere', 'it picks the region your token acts in')],
  [
    'the namespace',
    { NOMAD_NAMESPACE: 'shared' },
    {},
    personal('NOMAD_NAMESPACE', 'shared', 'it picks the namespace your token acts in, which is who shares the workspace with you (docs/security.md)'),
  ],
  [
    'HTTP basic auth (never echoed)',
    { NOMAD_HTTP_AUTH: 'me:hunter2' },
    {},
    personal('NOMAD_HTTP_AUTH', '', 'it is your credential for the proxy in front of Nomad', true),
  ],
  ['a CA certificate', { NOMAD_CACERT: '.devpod/ca.pem' }, {}, personal('NOMAD_CACERT', '.devpod/ca.pem', TLS_TRUST)],
  ['a CA directory', { NOMAD_CAPATH: '.devpod/cas' }, {}, personal('NOMAD_CAPATH', '.devpod/cas', TLS_TRUST)],
  ['a client certificate', { NOMAD_CLIENT_CERT: 'c.pem' }, {}, personal('NOMAD_CLIENT_CERT', 'c.pem', 'it is your TLS client identity')],
  ['a client key', { NOMAD_CLIENT_KEY: 'c.key' }, {}, personal('NOMAD_CLIENT_KEY', 'c.key', 'it is your TLS client identity')],
  [
    'a TLS server name',
    { NOMAD_TLS_SERVER_NAME: 'nomad.attacker.example' },
    {},
    personal('NOMAD_TLS_SERVER_NAME', 'nomad.attacker.example', 'it decides which server certificate the provider accepts'),
  ],
  [
    'skipping TLS verification',
    { NOMAD_SKIP_VERIFY: 'true' },
    {},
    personal('NOMAD_SKIP_VERIFY', 'true', 'it would send your token to a server whose certificate is not checked'),
  ],
  ['another config file', { NOMAD_CONFIG_FILE: 'other.yaml' }, {}, personal('NOMAD_CONFIG_FILE', 'other.yaml', 'it names the file itself')],
  [
    'the inactivity timeout',
    { INACTIVITY_TIMEOUT: '30m' },
    {},
    personal(
      'INACTIVITY_TIMEOUT',
      '30m',
      "DevPod reads it itself, from the provider's options only: from a file the job would wait for a shutdown DevPod never sends",
    ),
  ],
  ['the agent path', { AGENT_PATH: '/opt/agent' }, {}, personal('AGENT_PATH', '/opt/agent', DEVPOD_READS)],
  ['the agent data path', { AGENT_DATA_PATH: '/opt/data' }, {}, personal('AGENT_DATA_PATH', '/opt/data', DEVPOD_READS)],
  ['git credential injection', { INJECT_GIT_CREDENTIALS: 'true' }, {}, personal('INJECT_GIT_CREDENTIALS', 'true', DEVPOD_READS)],
  ['docker credential injection', { INJECT_DOCKER_CREDENTIALS: 'true' }, {}, personal('INJECT_DOCKER_CREDENTIALS', 'true', DEVPOD_READS)],
  [
    "another image for DevPod's builder",
    { DOCKERLESS_IMAGE: 'registry.attacker.example/dockerless:evil' },
    {},
    personal('DOCKERLESS_IMAGE', 'registry.attacker.example/dockerless:evil', `${DEVPOD_READS}: a repository may not swap the builder`),
  ],
  ["DevPod's builder turned off", { DOCKERLESS_DISABLED: 'true' }, {}, personal('DOCKERLESS_DISABLED', 'true', DEVPOD_READS)],
  [
    'privileged devcontainers allowed',
    { NOMAD_ALLOW_PRIVILEGED: 'true' },
    {},
    personal(
      'NOMAD_ALLOW_PRIVILEGED',
      'true',
      "a privileged container is root on the node: a repository's devcontainer.json may ask for one, only you allow it",
    ),
  ],
  [
    'a job template',
    { NOMAD_JOB_TEMPLATE: 'team.hcl' },
    {},
    personal('NOMAD_JOB_TEMPLATE', 'team.hcl', 'it is a whole Nomad job: its sidecars can run any driver with any config'),
  ],
  ['published ports', { NOMAD_PORTS: 'web=3000' }, {}, personal('NOMAD_PORTS', 'web=3000', PORTS_WHY.NOMAD_PORTS)],
  [
    'a host network for the ports',
    { NOMAD_PORTS_HOST_NETWORK: 'public' },
    {},
    personal('NOMAD_PORTS_HOST_NETWORK', 'public', PORTS_WHY.NOMAD_PORTS_HOST_NETWORK),
  ],
  [
    'service tags (they route traffic)',
    { NOMAD_SERVICE_TAGS: 'traefik.enable=true' },
    {},
    personal('NOMAD_SERVICE_TAGS', 'traefik.enable=true', PORTS_WHY.NOMAD_SERVICE_TAGS),
  ],
  [
    'the ingress domain',
    { NOMAD_INGRESS_DOMAIN: 'evil.example' },
    {},
    personal('NOMAD_INGRESS_DOMAIN', 'evil.example', PORTS_WHY.NOMAD_INGRESS_DOMAIN),
  ],
  [
    'registry auth',
    { NOMAD_REGISTRY_AUTH: 'job' },
    {},
    personal('NOMAD_REGISTRY_AUTH', 'job', 'it decides whether your registry password goes into the workspace'),
  ],
  ['a registry user', { NOMAD_REGISTRY_USERNAME: 'robot' }, {}, personal('NOMAD_REGISTRY_USERNAME', 'robot', 'it is your registry credential')],
  [
    'a registry password (never echoed)',
    { NOMAD_REGISTRY_PASSWORD: 'hunter2-registry' },
    {},
    personal('NOMAD_REGISTRY_PASSWORD', '', 'it is your registry credential', true),
  ],
  [
    'a registry server',
    { NOMAD_REGISTRY_SERVER: 'registry.attacker.example' },
    {},
    personal('NOMAD_REGISTRY_SERVER', 'registry.attacker.example', 'it is where your registry credential is sent'),
  ],
  [
    'an existing volume',
    { NOMAD_VOLUME_SOURCE: 'team-data' },
    {},
    personal('NOMAD_VOLUME_SOURCE', 'team-data', "it names an existing volume, which holds someone's data"),
  ],
  [
    'volume plugin parameters',
    { NOMAD_VOLUME_PARAMETERS_JSON: '{"uid":"0"}' },
    {},
    personal(
      'NOMAD_VOLUME_PARAMETERS_JSON',
      '{"uid":"0"}',
      'plugin parameters can point a new volume at existing storage (a share, a path, an owner)',
    ),
  ],
  [
    'the Vault address',
    { VAULT_ADDR: 'https://vault.attacker.example' },
    {},
    personal(
      'VAULT_ADDR',
      'https://vault.attacker.example',
      "it is the Vault the provider contacts and the workspace's tools send their Vault token to",
    ),
  ],
  ['the Vault CA', { VAULT_CACERT: 'ca.pem' }, {}, personal('VAULT_CACERT', 'ca.pem', 'it decides which Vault the provider trusts')],
  ['the Vault role', { VAULT_ROLE: 'admin' }, {}, personal('VAULT_ROLE', 'admin', 'it picks the Vault authority the workspace gets')],
  [
    'the Vault namespace',
    { VAULT_NAMESPACE: 'root' },
    {},
    personal('VAULT_NAMESPACE', 'root', "it picks the Vault namespace the workspace's authority acts in"),
  ],
  // Options a repository may set, with a value that lowers isolation.
  [
    'raw_exec',
    { NOMAD_DRIVER: 'raw_exec' },
    {},
    unsafe(
      'NOMAD_DRIVER',
      'raw_exec',
      'docker, podman, exec or nspawn',
      "raw_exec runs the workspace on the node with no isolation, as the Nomad client's user",
    ),
  ],
  [
    "the host's Docker socket",
    { NOMAD_DOCKER_ACCESS: 'host-socket' },
    {},
    unsafe(
      'NOMAD_DOCKER_ACCESS',
      'host-socket',
      'to none',
      "host-socket gives the workspace the node's Docker socket in a privileged container: root on the node",
    ),
  ],
  [
    'task user root',
    { NOMAD_TASK_USER: 'root' },
    {},
    unsafe('NOMAD_TASK_USER', 'root', 'to a user other than root', 'root is the account that matters outside the container'),
  ],
  [
    'a task user with the exec driver, both from the file',
    { NOMAD_DRIVER: 'exec', NOMAD_TASK_USER: 'dev' },
    {},
    unsafe('NOMAD_TASK_USER', 'dev', 'with docker or podman', 'with NOMAD_DRIVER=exec the task user is an account of the node itself'),
  ],
  [
    'a task user with the nspawn driver, both from the file',
    { NOMAD_DRIVER: 'nspawn', NOMAD_TASK_USER: 'dev' },
    {},
    unsafe(
      'NOMAD_TASK_USER',
      'dev',
      'with docker or podman',
      'with NOMAD_DRIVER=nspawn every command runs as root through systemd-run, whatever the task user',
    ),
  ],
  [
    'a task user when the person runs raw_exec',
    { NOMAD_TASK_USER: 'dev' },
    { NOMAD_DRIVER: 'raw_exec' },
    unsafe('NOMAD_TASK_USER', 'dev', 'with docker or podman', 'with NOMAD_DRIVER=raw_exec the task user is an account of the node itself'),
  ],
  [
    'the default CA mounts',
    { NOMAD_CA_CERTS: 'default' },
    {},
    unsafe(
      'NOMAD_CA_CERTS',
      'default',
      'to none',
      'it mounts paths of the node into the workspace (and "default" includes /etc/docker/certs.d, where registry client keys live)',
    ),
  ],
  [
    'a node file as a CA',
    { NOMAD_CA_CERTS: '/etc/shadow:/tmp/ca.crt' },
    {},
    unsafe(
      'NOMAD_CA_CERTS',
      '/etc/shadow:/tmp/ca.crt',
      'to none',
      'it mounts paths of the node into the workspace (and "default" includes /etc/docker/certs.d, where registry client keys live)',
    ),
  ],
  [
    'nspawn binding a node path',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"bind":{"/":"/host"}}' },
    {},
    unsafe(
      'NOMAD_NSPAWN_CONFIG_JSON',
      '{"bind":{"/":"/host"}}',
      'without bind, bind_read_only or user_namespacing: false',
      "bind reaches the node's files or its root user",
    ),
  ],
  [
    'nspawn without user namespacing',
    { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"bind_read_only":{"/etc":"/e"},"user_namespacing":false}' },
    {},
    unsafe(
      'NOMAD_NSPAWN_CONFIG_JSON',
      '{"bind_read_only":{"/etc":"/e"},"user_namespacing":false}',
      'without bind, bind_read_only or user_namespacing: false',
      "bind_read_only, user_namespacing: false reach the node's files or its root user",
    ),
  ],
  [
    'a name that is no option',
    { NOMAD_CPUS: '4' },
    {},
    (file) =>
      `NOMAD_CPUS is set in ${file} but is not an option of this provider: expected option names such as NOMAD_CPU or NOMAD_IMAGE (all are listed in docs/security.md)`,
  ],
];
