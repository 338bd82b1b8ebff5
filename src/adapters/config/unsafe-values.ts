// The values of repository options that lower isolation, as checks: trust.ts's table names each option's unsafe
// values in words and points its `repositoryRefuses` here. A check gets the value a repository's file gives and every
// value collected (some depend on NOMAD_DRIVER), and says what the repository may use instead, and why.

export type Refusal = (value: string, values: Record<string, string>) => { allowed: string; why: string } | undefined;

/** Drivers that run the task as its user, an account of the image (nspawn runs every command as root). */
const USER_DRIVERS = ['docker', 'podman'];
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

export const refuse = {
  /** NOMAD_DRIVER */
  driver: (v) =>
    v.trim() === 'raw_exec'
      ? { allowed: 'docker, podman, exec or nspawn', why: "raw_exec runs the workspace on the node with no isolation, as the Nomad client's user" }
      : undefined,
  /** NOMAD_TASK_USER */
  taskUser: (v, values) => {
    const driver = driverOf(values);
    if (!USER_DRIVERS.includes(driver))
      return {
        allowed: 'with docker or podman',
        why:
          driver === 'nspawn'
            ? 'with NOMAD_DRIVER=nspawn every command runs as root through systemd-run, whatever the task user'
            : `with NOMAD_DRIVER=${driver} the task user is an account of the node itself`,
      };
    if (/^(root|0)$/.test(v.trim())) return { allowed: 'to a user other than root', why: 'root is the account that matters outside the container' };
    return undefined;
  },
  /** NOMAD_DOCKER_ACCESS */
  dockerAccess: (v) =>
    v.trim() === 'host-socket'
      ? { allowed: 'to none', why: "host-socket gives the workspace the node's Docker socket in a privileged container: root on the node" }
      : undefined,
  /** NOMAD_CA_CERTS */
  caCerts: (v) =>
    v.trim() === 'none'
      ? undefined
      : {
          allowed: 'to none',
          why: 'it mounts paths of the node into the workspace (and "default" includes /etc/docker/certs.d, where registry client keys live)',
        },
  /** NOMAD_NSPAWN_CONFIG_JSON */
  nspawnConfig: (v) => {
    const reaching = nspawnReachesNode(v);
    return reaching
      ? {
          allowed: 'without bind, bind_read_only or user_namespacing: false',
          why: `${reaching} reach${reaching.includes(',') ? '' : 'es'} the node's files or its root user`,
        }
      : undefined;
  },
} satisfies Record<string, Refusal>;
