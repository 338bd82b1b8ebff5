// Who may set each option. A repository's .devpod/nomad.yaml describes the workspace it wants (its shape); only the
// person's own provider options (flags and the environment DevPod passes) say where to connect, with which
// credentials, and anything that gives the workspace more than an isolated task. `devpod up` in someone else's
// repository must never send the person's token elsewhere or run the repository's code with more rights.
// This table is the one list of options: a name not in it is refused from the file, and docs/security.md mirrors it.

import type { OptionValues } from './sources.js';

export type Trust = 'repository' | 'personal';

export interface OptionRule {
  trust: Trust;
  /** Why, in one line: for personal options, what a repository could do with it. */
  why: string;
  /** A repository option some of whose values lower isolation: those values, in words (docs/security.md)... */
  unsafe?: string;
  /** ...and the check: what a repository may use instead, and why, when `value` is one of them. */
  repositoryRefuses?: (value: string, values: Record<string, string>) => { allowed: string; why: string } | undefined;
  /** Never shown (plan shows <redacted>), never echoed in a message. */
  secret?: true;
}

const personal = (why: string, secret?: true): OptionRule => ({ trust: 'personal', why, ...(secret ? { secret } : {}) });
const repository = (why: string, unsafe?: string, repositoryRefuses?: OptionRule['repositoryRefuses']): OptionRule => ({ trust: 'repository', why, ...(unsafe ? { unsafe, repositoryRefuses } : {}) });

/** Drivers whose task runs an image in its own root filesystem; a user name there is an account of the image. */
const IMAGE_DRIVERS = ['docker', 'podman', 'nspawn'];
const driverOf = (values: Record<string, string>) => values.NOMAD_DRIVER?.trim() || 'docker';

/** nspawn options that reach the node: host paths bound in, or the container's root being the node's root. */
function nspawnReachesNode(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined; // not JSON: the option's own validation says so
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const o = parsed as Record<string, unknown>;
  const keys = ['bind', 'bind_read_only'].filter((k) => k in o);
  if (o.user_namespacing === false) keys.push('user_namespacing: false');
  return keys.length ? keys.join(', ') : undefined;
}

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
  INACTIVITY_TIMEOUT: personal('DevPod reads it itself, from the provider\'s options only: from a file the job would wait for a shutdown DevPod never sends'),
  AGENT_PATH: personal('DevPod reads it itself, from the provider\'s options only'),
  AGENT_DATA_PATH: personal('DevPod reads it itself, from the provider\'s options only'),
  INJECT_GIT_CREDENTIALS: personal('DevPod reads it itself, from the provider\'s options only'),
  INJECT_DOCKER_CREDENTIALS: personal('DevPod reads it itself, from the provider\'s options only'),

  // The workspace's shape.
  NOMAD_DRIVER: repository('the task driver; exec isolates the task (chroot, namespaces) and Nomad needs no alloc-node-exec for it', 'raw_exec', (v) => (v.trim() === 'raw_exec'
    ? { allowed: 'docker, podman, exec or nspawn', why: 'raw_exec runs the workspace on the node with no isolation, as the Nomad client\'s user' }
    : undefined)),
  NOMAD_IMAGE: repository('the workspace image'),
  NOMAD_TASK_USER: repository('the user inside the workspace image', 'root, and any user with exec or raw_exec (an account of the node)', (v, values) => {
    const driver = driverOf(values);
    if (!IMAGE_DRIVERS.includes(driver)) return { allowed: 'with an image driver (docker, podman, nspawn)', why: `with NOMAD_DRIVER=${driver} the task user is an account of the node itself` };
    if (/^(root|0)$/.test(v.trim())) return { allowed: 'to a user other than root', why: 'root is the account that matters outside the container' };
    return undefined;
  }),
  NOMAD_CPU: repository('resources; the cluster\'s quotas bound them'),
  NOMAD_CORES: repository('resources; the cluster\'s quotas bound them'),
  NOMAD_MEMORYMB: repository('resources; the cluster\'s quotas bound them'),
  NOMAD_DISKMB: repository('resources; the cluster\'s quotas bound them'),
  NOMAD_DATACENTERS: repository('placement, within what your token may submit'),
  NOMAD_NODE_POOL: repository('placement, within what your token may submit'),
  NOMAD_CONSTRAINTS: repository('placement, within what your token may submit'),
  NOMAD_GPU_COUNT: repository('devices the workspace needs'),
  NOMAD_GPU_NAME: repository('devices the workspace needs'),
  NOMAD_GPU_MODEL: repository('devices the workspace needs'),

  // What a workspace may reach beyond its task.
  NOMAD_DOCKER_ACCESS: repository('Docker inside the workspace', 'host-socket', (v) => (v.trim() === 'host-socket'
    ? { allowed: 'to none', why: 'host-socket gives the workspace the node\'s Docker socket in a privileged container: root on the node' }
    : undefined)),
  NOMAD_CA_CERTS: repository('CA certificates mounted from the node', '"default" and paths (only none)', (v) => (v.trim() === 'none'
    ? undefined
    : { allowed: 'to none', why: 'it mounts paths of the node into the workspace (and "default" includes /etc/docker/certs.d, where registry client keys live)' })),
  NOMAD_NSPAWN_CONFIG_JSON: repository('nspawn driver options', 'bind, bind_read_only, user_namespacing: false', (v) => {
    const reaching = nspawnReachesNode(v);
    return reaching ? { allowed: 'without bind, bind_read_only or user_namespacing: false', why: `${reaching} reach${reaching.includes(',') ? '' : 'es'} the node's files or its root user` } : undefined;
  }),
  NOMAD_JOB_TEMPLATE: personal('it is a whole Nomad job: its sidecars can run any driver with any config'),

  // Registry credentials: the person's, sent to the registry they name.
  NOMAD_REGISTRY_AUTH: personal('it decides whether your registry password goes into the workspace'),
  NOMAD_REGISTRY_USERNAME: personal('it is your registry credential'),
  NOMAD_REGISTRY_PASSWORD: personal('it is your registry credential', true),
  NOMAD_REGISTRY_SERVER: personal('it is where your registry credential is sent'),

  // Storage.
  NOMAD_VOLUME_TYPE: repository('persistent storage for the workspace (type host needs NOMAD_VOLUME_SOURCE, a personal option)'),
  NOMAD_VOLUME_SOURCE: personal('it names an existing volume, which holds someone\'s data'),
  NOMAD_VOLUME_MOUNT: repository('where the volume appears in the workspace'),
  NOMAD_VOLUME_SIZE: repository('the size of a volume made for this workspace'),
  NOMAD_VOLUME_PLUGIN: repository('which of the cluster\'s plugins makes the workspace\'s volume'),
  NOMAD_VOLUME_KEEP: repository('whether delete keeps the workspace\'s own volume'),
  NOMAD_VOLUME_PARAMETERS_JSON: personal('plugin parameters can point a new volume at existing storage (a share, a path, an owner)'),
  NOMAD_VOLUME_READ_ONLY: repository('how the volume is mounted'),
  NOMAD_VOLUME_ACCESS_MODE: repository('how the volume is mounted'),
  NOMAD_VOLUME_ATTACHMENT_MODE: repository('how the volume is mounted'),

  // Vault: the authority is the person's, which of its secrets the workspace needs is the repository's.
  VAULT_ADDR: personal('it is the Vault the provider contacts and the workspace\'s tools send their Vault token to'),
  VAULT_CACERT: personal('it decides which Vault the provider trusts'),
  VAULT_ROLE: personal('it picks the Vault authority the workspace gets'),
  VAULT_NAMESPACE: personal('it picks the Vault namespace the workspace\'s authority acts in'),
  VAULT_CHANGE_MODE: repository('what the workspace does when its secrets change'),
  VAULT_CHANGE_SIGNAL: repository('what the workspace does when its secrets change'),
  VAULT_POLICIES_JSON: repository('policies the workspace expects; checked, never sent'),
  VAULT_SECRETS_JSON: repository('secret paths the workspace reads, within what VAULT_ROLE allows'),
};

export const isSecretOption = (name: string): boolean => OPTIONS[name]?.secret === true;

/**
 * What the repository's file sets that it may not: unknown names, personal options and unsafe values. One
 * message each, naming the option, the file and where to set it instead. `provider`: DevPod's name for us
 * (PROVIDER_ID); without it, set-options takes the default provider.
 */
export function repositoryProblems(vals: OptionValues, provider?: string): string[] {
  const problems: string[] = [];
  // The file as written: a value the person's own options override was still asked for by the repository.
  for (const [name, value] of Object.entries(vals.fromFile ?? {})) {
    if (value.trim() === '') continue; // sets nothing
    const rule = OPTIONS[name];
    const where = `is set in ${vals.file}`;
    const instead = `If you mean it, set it in your own provider options: devpod provider set-options ${provider ? `${provider} ` : ''}-o ${name}=${rule?.secret ? '…' : value.trim()}`;
    if (!rule) {
      problems.push(`${name} ${where} but is not an option of this provider: expected option names such as NOMAD_CPU or NOMAD_IMAGE (all are listed in docs/security.md)`);
    } else if (rule.trust === 'personal') {
      const shown = rule.secret ? `${name} (value hidden)` : `${name}=${JSON.stringify(value)}`;
      problems.push(`${shown} ${where}, a repository's file, which may not set it: ${rule.why}. ${instead}`);
    } else {
      const refused = rule.repositoryRefuses?.(value, vals.values);
      if (refused) problems.push(`${name}=${JSON.stringify(value)} ${where}, a repository's file, which may set ${name} only ${refused.allowed}: ${refused.why}. ${instead}`);
    }
  }
  return problems;
}

export interface OptionSource {
  name: string;
  origin: 'flag' | 'environment' | 'file' | 'default';
  /** The value as given; <redacted> for secrets; absent for defaults. */
  value?: string;
}

/** Where each option's value came from, in table order; secrets redacted. */
export function optionSources(vals: OptionValues): OptionSource[] {
  return Object.keys(OPTIONS).map((name) => {
    const origin = vals.origin[name];
    if (!origin) return { name, origin: 'default' };
    return { name, origin, value: isSecretOption(name) ? '<redacted>' : vals.values[name] };
  });
}
