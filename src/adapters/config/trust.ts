// Who may set each option. A repository's .devpod/nomad.yaml describes the workspace it wants (its shape); only the
// person's own provider options (flags and the environment DevPod passes) say where to connect, with which
// credentials, and anything that gives the workspace more than an isolated task. `devpod up` in someone else's
// repository must never send the person's token elsewhere or run the repository's code with more rights.
// This table lists every option (as catalog/ does, in its own order: plan lists sources in it, docs/security.md
// mirrors it); repository-check.ts refuses from the file a name not in it, a personal option or an unsafe value.
import { refuse, type Refusal } from './unsafe-values.js';

export type Trust = 'repository' | 'personal';

export interface OptionRule {
  trust: Trust;
  /** Why, in one line: for personal options, what a repository could do with it. */
  why: string;
  /** A repository option some of whose values lower isolation: those values, in words (docs/security.md)... */
  unsafe?: string;
  /** ...and the check (unsafe-values.ts): what a repository may use instead, and why, when `value` is one of them. */
  repositoryRefuses?: Refusal;
  /** Never shown (plan shows <redacted>), never echoed in a message. */
  secret?: true;
}

const personal = (why: string, secret?: true): OptionRule => ({ trust: 'personal', why, ...(secret ? { secret } : {}) });
const repository = (why: string, unsafe?: string, repositoryRefuses?: OptionRule['repositoryRefuses']): OptionRule => ({
  trust: 'repository',
  why,
  ...(unsafe ? { unsafe, repositoryRefuses } : {}),
});

export const OPTIONS: Record<string, OptionRule> = {
  // Connection, credentials and TLS: where the person's token goes and whom the provider trusts.
  NOMAD_ADDR: personal('it is where the provider sends your token and your workspace'),
  NOMAD_TOKEN: personal('it is your Nomad credential', true),
  NOMAD_REGION: personal('it picks the region your token acts in'),
  NOMAD_NAMESPACE: personal('it picks the namespace your token acts in, which is who shares the workspace with you (docs/security.md)'),
  NOMAD_HTTP_AUTH: personal('it is your credential for the proxy in front of Nomad', true),
  NOMAD_CACERT: personal('it decides which Nomad servers the provider trusts with your token'),
  NOMAD_CAPATH: personal('it decides which Nomad servers the provider trusts with your token'),
  NOMAD_CLIENT_CERT: personal('it is your TLS client identity'),
  NOMAD_CLIENT_KEY: personal('it is your TLS client identity'),
  NOMAD_TLS_SERVER_NAME: personal('it decides which server certificate the provider accepts'),
  NOMAD_SKIP_VERIFY: personal('it would send your token to a server whose certificate is not checked'),

  // The provider's and DevPod's own settings.
  NOMAD_CONFIG_FILE: personal('it names the file itself'),
  NOMAD_TIMEOUT: repository('how long create and start wait (at most 24h): a large image takes long'),
  INACTIVITY_TIMEOUT: personal(
    "DevPod reads it itself, from the provider's options only: from a file the job would wait for a shutdown DevPod never sends",
  ),
  AGENT_PATH: personal("DevPod reads it itself, from the provider's options only"),
  AGENT_DATA_PATH: personal("DevPod reads it itself, from the provider's options only"),
  INJECT_GIT_CREDENTIALS: personal("DevPod reads it itself, from the provider's options only"),
  INJECT_DOCKER_CREDENTIALS: personal("DevPod reads it itself, from the provider's options only"),
  DOCKERLESS_IMAGE: personal("DevPod reads it itself, from the provider's options only: a repository may not swap the builder"),
  DOCKERLESS_DISABLED: personal("DevPod reads it itself, from the provider's options only"),

  // The workspace's shape.
  NOMAD_DRIVER: repository(
    'the task driver; exec isolates the task (chroot, namespaces) and Nomad needs no alloc-node-exec for it',
    'raw_exec',
    refuse.driver,
  ),
  NOMAD_IMAGE: repository('the workspace image'),
  NOMAD_TASK_USER: repository(
    'the user inside the workspace image',
    'root, and any user with exec or raw_exec (an account of the node) or nspawn (commands run as root)',
    refuse.taskUser,
  ),
  NOMAD_CPU: repository("resources; the cluster's quotas bound them"),
  NOMAD_CORES: repository("resources; the cluster's quotas bound them"),
  NOMAD_MEMORYMB: repository("resources; the cluster's quotas bound them"),
  NOMAD_DISKMB: repository("resources; the cluster's quotas bound them"),
  NOMAD_DATACENTERS: repository('placement, within what your token may submit'),
  NOMAD_NODE_POOL: repository('placement, within what your token may submit'),
  NOMAD_CONSTRAINTS: repository('placement, within what your token may submit'),
  NOMAD_GPU_COUNT: repository('devices the workspace needs'),
  NOMAD_GPU_NAME: repository('devices the workspace needs'),
  NOMAD_GPU_MODEL: repository('devices the workspace needs'),

  // What a workspace may reach beyond its task.
  NOMAD_DOCKER_ACCESS: repository('Docker inside the workspace', 'host-socket', refuse.dockerAccess),
  NOMAD_ALLOW_PRIVILEGED: personal("a privileged container is root on the node: a repository's devcontainer.json may ask for one, only you allow it"),
  NOMAD_CA_CERTS: repository('CA certificates mounted from the node', '"default" and paths (only none)', refuse.caCerts),
  NOMAD_NSPAWN_CONFIG_JSON: repository('nspawn driver options', 'bind, bind_read_only, user_namespacing: false', refuse.nspawnConfig),
  NOMAD_JOB_TEMPLATE: personal('it is a whole Nomad job: its sidecars can run any driver with any config'),

  // Published ports: reachable by anyone with network reach to the node or the ingress, so only the person opens them.
  NOMAD_PORTS: personal("it publishes workspace ports on the node's network, where anyone who reaches the node reaches them"),
  NOMAD_PORTS_HOST_NETWORK: personal("it picks which of the node's networks the published ports are reachable on"),
  NOMAD_SERVICE_TAGS: personal('tags route traffic: an ingress reading them would send requests for other hosts to the workspace'),
  NOMAD_INGRESS_DOMAIN: personal('it is the domain your ingress serves, shown as the URL you open'),

  // Registry credentials: the person's, sent to the registry they name.
  NOMAD_REGISTRY_AUTH: personal('it decides whether your registry password goes into the workspace'),
  NOMAD_REGISTRY_USERNAME: personal('it is your registry credential'),
  NOMAD_REGISTRY_PASSWORD: personal('it is your registry credential', true),
  NOMAD_REGISTRY_SERVER: personal('it is where your registry credential is sent'),

  // Storage.
  NOMAD_VOLUME_TYPE: repository('persistent storage for the workspace (type host needs NOMAD_VOLUME_SOURCE, a personal option)'),
  NOMAD_VOLUME_SOURCE: personal("it names an existing volume, which holds someone's data"),
  NOMAD_VOLUME_MOUNT: repository('where the volume appears in the workspace'),
  NOMAD_VOLUME_SIZE: repository('the size of a volume made for this workspace'),
  NOMAD_VOLUME_PLUGIN: repository("which of the cluster's plugins makes the workspace's volume"),
  NOMAD_VOLUME_KEEP: repository("whether delete keeps the workspace's own volume"),
  NOMAD_VOLUME_PARAMETERS_JSON: personal('plugin parameters can point a new volume at existing storage (a share, a path, an owner)'),
  NOMAD_VOLUME_READ_ONLY: repository('how the volume is mounted'),
  NOMAD_VOLUME_ACCESS_MODE: repository('how the volume is mounted'),
  NOMAD_VOLUME_ATTACHMENT_MODE: repository('how the volume is mounted'),

  // Vault: the authority is the person's, which of its secrets the workspace needs is the repository's.
  VAULT_ADDR: personal("it is the Vault the provider contacts and the workspace's tools send their Vault token to"),
  VAULT_CACERT: personal('it decides which Vault the provider trusts'),
  VAULT_ROLE: personal('it picks the Vault authority the workspace gets'),
  VAULT_NAMESPACE: personal("it picks the Vault namespace the workspace's authority acts in"),
  VAULT_CHANGE_MODE: repository('what the workspace does when its secrets change'),
  VAULT_CHANGE_SIGNAL: repository('what the workspace does when its secrets change'),
  VAULT_POLICIES_JSON: repository('policies the workspace expects; checked, never sent'),
  VAULT_SECRETS_JSON: repository('secret paths the workspace reads, within what VAULT_ROLE allows'),
};

export const isSecretOption = (name: string): boolean => OPTIONS[name]?.secret === true;
