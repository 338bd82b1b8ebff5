// Bad option values and the one message each must produce; used by the config unit tests and, through the real
// binary, by the CLI tests (which also check that nothing reaches Nomad).

const SECRETS = '[{"path":"secret/data/app","fields":{"password":"DB_PASSWORD"}}]';
const VAULT_OK = { VAULT_ADDR: 'https://vault:8200', VAULT_POLICIES_JSON: '["p"]', VAULT_SECRETS_JSON: SECRETS };

/** [what, environment, the one message expected] */
export const BAD_INPUT: [string, Record<string, string>, string][] = [
  ['non-numeric CPU', { NOMAD_CPU: 'lots' }, 'NOMAD_CPU="lots" is not valid: expected a whole number of MHz greater than 0, e.g. 500'],
  ['zero CPU', { NOMAD_CPU: '0' }, 'NOMAD_CPU="0" is not valid: expected a whole number of MHz greater than 0, e.g. 500'],
  ['fractional CPU', { NOMAD_CPU: '1.5' }, 'NOMAD_CPU="1.5" is not valid: expected a whole number of MHz greater than 0, e.g. 500'],
  ['negative memory', { NOMAD_MEMORYMB: '-512' }, 'NOMAD_MEMORYMB="-512" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB'],
  ['unknown memory unit', { NOMAD_MEMORYMB: '4 parsecs' }, 'NOMAD_MEMORYMB="4 parsecs" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB'],
  ['memory word', { NOMAD_MEMORYMB: 'big' }, 'NOMAD_MEMORYMB="big" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 2048 or 4GB'],
  ['disk unit', { NOMAD_DISKMB: '10XB' }, 'NOMAD_DISKMB="10XB" is not valid: expected a size in MB, or with a unit (MB, GB, GiB), e.g. 300 or 10GB'],
  ['cores zero', { NOMAD_CORES: '0' }, 'NOMAD_CORES="0" is not valid: expected a whole number of CPU cores greater than 0'],
  ['cores and cpu', { NOMAD_CORES: '2', NOMAD_CPU: '500' }, 'NOMAD_CPU and NOMAD_CORES are both set: expected one of them (MHz shares, or whole reserved cores)'],
  ['unknown driver', { NOMAD_DRIVER: 'lxc' }, 'NOMAD_DRIVER="lxc" is not valid: expected one of docker, podman, exec, raw_exec, nspawn'],
  ['bad timeout', { NOMAD_TIMEOUT: 'soon' }, 'NOMAD_TIMEOUT="soon" is not valid: expected a duration, e.g. 10m or 90s'],
  ['job template that is not there', { NOMAD_JOB_TEMPLATE: '/nonexistent/team.hcl' }, 'NOMAD_JOB_TEMPLATE="/nonexistent/team.hcl" is not valid: expected a readable Nomad job file, HCL or .json (ENOENT reading /nonexistent/team.hcl)'],
  ['bad address', { NOMAD_ADDR: 'nomad.example' }, 'NOMAD_ADDR="nomad.example" is not valid: expected http(s)://host:port or unix:///path/to/socket'],
  ['bad skip-verify', { NOMAD_SKIP_VERIFY: 'maybe' }, 'NOMAD_SKIP_VERIFY="maybe" is not valid: expected true or false'],
  ['malformed VAULT_SECRETS_JSON', { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path": ' }, 'VAULT_SECRETS_JSON="[{\\"path\\": " is not valid: expected a JSON list of {"path": "secret/data/...", "fields": {"vault_field": "ENV_NAME"}} (JSON: Unexpected end of JSON input)'],
  ['VAULT_SECRETS_JSON not a list', { ...VAULT_OK, VAULT_SECRETS_JSON: '{"path":"secret/data/a"}' }, 'VAULT_SECRETS_JSON="{\\"path\\":\\"secret/data/a\\"}" is not valid: expected a JSON list of {"path": "secret/data/...", "fields": {"vault_field": "ENV_NAME"}}'],
  ['secret path without /data/', { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"secret/app","fields":{"a":"A"}}]' }, 'VAULT_SECRETS_JSON[0].path="secret/app" is not valid: expected a KV v2 path containing /data/, e.g. secret/data/app'],
  ['secret with empty fields', { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{}}]' }, 'VAULT_SECRETS_JSON[0].fields is empty: expected at least one mapping of a Vault field to an environment variable, e.g. {"password": "DB_PASSWORD"}'],
  ['invalid env name', { ...VAULT_OK, VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{"pw":"1-BAD"}}]' }, 'VAULT_SECRETS_JSON[0].fields.pw="1-BAD" is not valid: expected an environment variable name (letters, digits, _; not starting with a digit)'],
  ['secrets without policies', { VAULT_ADDR: 'https://v', VAULT_SECRETS_JSON: SECRETS }, 'VAULT_POLICIES_JSON is required when VAULT_SECRETS_JSON is set: expected a JSON list of Vault policy names, e.g. ["devpod-secrets"]'],
  ['secrets without address', { VAULT_POLICIES_JSON: '["p"]', VAULT_SECRETS_JSON: SECRETS }, 'VAULT_ADDR is required when VAULT_SECRETS_JSON is set: expected the Vault address, e.g. https://vault.example.com:8200'],
  ['policies not a list', { ...VAULT_OK, VAULT_POLICIES_JSON: '"p"' }, 'VAULT_POLICIES_JSON="\\"p\\"" is not valid: expected a JSON list of Vault policy names, e.g. ["devpod-secrets"]'],
  ['unknown change mode', { ...VAULT_OK, VAULT_CHANGE_MODE: 'reboot' }, 'VAULT_CHANGE_MODE="reboot" is not valid: expected one of restart, noop, signal'],
  ['bad change signal', { ...VAULT_OK, VAULT_CHANGE_MODE: 'signal', VAULT_CHANGE_SIGNAL: 'hup' }, 'VAULT_CHANGE_SIGNAL="hup" is not valid: expected a signal name such as SIGHUP'],
  ['nspawn option of the wrong type', { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"boot":"yes"}' }, 'NOMAD_NSPAWN_CONFIG_JSON.boot="yes" is not valid: expected true or false'],
  ['nspawn bind of the wrong type', { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"bind":["/a"]}' }, 'NOMAD_NSPAWN_CONFIG_JSON.bind=["/a"] is not valid: expected an object of strings'],
  ['unknown nspawn option', { NOMAD_DRIVER: 'nspawn', NOMAD_NSPAWN_CONFIG_JSON: '{"privileged":true}' }, 'NOMAD_NSPAWN_CONFIG_JSON.privileged is not an nspawn driver option: expected one of boot, ephemeral, process_two, read_only, user_namespacing, console, resolv_conf, user, volatile, working_directory, pivot_root, bind, bind_read_only, environment, port_map, command'],
  ['nspawn options with another driver', { NOMAD_DRIVER: 'docker', NOMAD_NSPAWN_CONFIG_JSON: '{"boot":true}' }, 'NOMAD_NSPAWN_CONFIG_JSON is set but NOMAD_DRIVER=docker: expected NOMAD_DRIVER=nspawn'],
  ['docker socket without docker', { NOMAD_DRIVER: 'exec', NOMAD_DOCKER_ACCESS: 'host-socket' }, "NOMAD_DOCKER_ACCESS=host-socket needs NOMAD_DRIVER=docker (got exec): the host's Docker socket can only be mounted into a docker task"],
  ['unknown docker access', { NOMAD_DOCKER_ACCESS: 'dind' }, 'NOMAD_DOCKER_ACCESS="dind" is not valid: expected one of none, host-socket'],
  ['relative cert path', { NOMAD_CA_CERTS: 'certs/ca.crt' }, 'NOMAD_CA_CERTS="certs/ca.crt" is not valid: expected "default", "none", or absolute host[:task] paths separated by commas, e.g. /etc/ssl/my-ca.crt:/usr/local/share/ca-certificates/my-ca.crt'],
  ['registry auth both ways', { NOMAD_REGISTRY_AUTH: 'client', NOMAD_REGISTRY_USERNAME: 'u', NOMAD_REGISTRY_PASSWORD: 'p' }, 'NOMAD_REGISTRY_AUTH=client but NOMAD_REGISTRY_USERNAME/NOMAD_REGISTRY_PASSWORD are set: expected either client-side credentials (docker plugin auth config or credential helpers, nothing in the job) or NOMAD_REGISTRY_AUTH=job with a username and password, not both'],
  ['job auth without password', { NOMAD_REGISTRY_AUTH: 'job', NOMAD_REGISTRY_USERNAME: 'u' }, 'NOMAD_REGISTRY_AUTH=job needs NOMAD_REGISTRY_USERNAME and NOMAD_REGISTRY_PASSWORD: expected both to be set'],
  ['unknown registry auth', { NOMAD_REGISTRY_AUTH: 'ldap' }, 'NOMAD_REGISTRY_AUTH="ldap" is not valid: expected one of client, job'],
  ['negative GPU count', { NOMAD_GPU_COUNT: '-1' }, 'NOMAD_GPU_COUNT="-1" is not valid: expected a whole number of GPUs (0 for none)'],
  ['bad GPU name', { NOMAD_GPU_COUNT: '1', NOMAD_GPU_NAME: 'nvidia gpu!' }, 'NOMAD_GPU_NAME="nvidia gpu!" is not valid: expected a device name: type, vendor/type or vendor/type/model, e.g. nvidia/gpu'],
  ['unknown volume type', { NOMAD_VOLUME_TYPE: 'nfs' }, 'NOMAD_VOLUME_TYPE="nfs" is not valid: expected one of none, host, csi'],
  ['volume without source', { NOMAD_VOLUME_TYPE: 'csi' }, 'NOMAD_VOLUME_TYPE=csi needs NOMAD_VOLUME_SOURCE: expected the registered CSI volume id'],
  ['relative volume mount', { NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'ws', NOMAD_VOLUME_MOUNT: 'work' }, 'NOMAD_VOLUME_MOUNT="work" is not valid: expected an absolute path inside the workspace, e.g. /workspaces'],
  ['bad CSI access mode', { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_SOURCE: 'v', NOMAD_VOLUME_ACCESS_MODE: 'rw' }, 'NOMAD_VOLUME_ACCESS_MODE="rw" is not valid: expected one of single-node-writer, single-node-reader-only, multi-node-reader-only, multi-node-single-writer, multi-node-multi-writer'],
  ['malformed constraints', { NOMAD_CONSTRAINTS: 'kernel=linux' }, 'NOMAD_CONSTRAINTS="kernel=linux" is not valid: expected a JSON list of {"attribute", "operator", "value"}, e.g. [{"attribute": "${attr.kernel.name}", "value": "linux"}] (JSON: Unexpected token \'k\', "kernel=linux" is not valid JSON)'],
  ['unknown constraint operator', { NOMAD_CONSTRAINTS: '[{"attribute":"${attr.kernel.name}","operator":"~","value":"linux"}]' }, 'NOMAD_CONSTRAINTS[0].operator="~" is not valid: expected one of =, !=, >, >=, <, <=, regexp, set_contains, set_contains_any, version, semver, is_set, is_not_set, distinct_hosts, distinct_property'],
];

