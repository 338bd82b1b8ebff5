// The option sets and Nomad versions nomad-api.test.ts builds requests for: one of each kind of job the provider
// writes (drivers, Vault in both flows, volumes of each type, registry auth, idle stop, job templates), on the
// versions whose job shapes differ (1.6 token flow; 1.7–1.9 both Vault flows; 1.10+ workload identity only and
// dynamic host volumes; unknown version = a current Nomad).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** undefined: the servers' version could not be read (the job is then written for a current Nomad). */
export const CHECKED_VERSIONS: Array<string | undefined> = ['1.6.1', '1.8.4', '1.10.5', '1.11.2', undefined];

const VAULT = {
  VAULT_ADDR: 'https://vault.example:8200',
  VAULT_POLICIES_JSON: '["devpod-secrets"]',
  VAULT_ROLE: 'devpod-workspaces',
  VAULT_SECRETS_JSON: '[{"path":"secret/data/app","fields":{"password":"DB_PASSWORD"}},{"path":"kv/devpod/token","fields":{"t":"TOKEN"}}]',
};

export interface JobTemplates {
  /** JSON, with the workload identity blocks a team adds for its version: `identity` (1.5+) or named ones (1.7+). */
  json(version: string | undefined): string;
}

/** An HCL template as a team writes one, for the parse request (the stand-in endpoint cannot parse HCL). */
export const HCL_TEMPLATE = 'job "x" {\n  group "workspace" {\n    task "workspace" {\n      driver = "docker"\n    }\n  }\n}\n';

/** Team job templates, written to files as NOMAD_JOB_TEMPLATE names them. */
export function jobTemplates(dir: string): JobTemplates {
  const task = (version: string | undefined) =>
    version?.startsWith('1.6.')
      ? { Name: 'workspace', Identity: { Env: true, File: true } }
      : { Name: 'workspace', Identities: [{ Name: 'vault_default', Audience: ['vault.io'], TTL: 3600e9, ChangeMode: 'restart' }] };
  const json = (version: string | undefined) => {
    const file = join(dir, `template-${version ?? 'unknown'}.json`);
    const job = {
      Job: {
        Meta: { team: 'platform' },
        TaskGroups: [{ Name: 'workspace', Tasks: [{ ...task(version), Env: { TEAM: 'platform' }, KillTimeout: 30e9 }] }],
      },
    };
    writeFileSync(file, JSON.stringify(job));
    return file;
  };
  return { json };
}

export const OPTION_SETS = (t: JobTemplates, version: string | undefined): Record<string, Record<string, string>> => ({
  'docker defaults': {},
  'docker, human units, cores, placement, a GPU': {
    NOMAD_MEMORYMB: '4GB',
    NOMAD_DISKMB: '10GiB',
    NOMAD_CORES: '2',
    NOMAD_DATACENTERS: 'dc1,dc2',
    NOMAD_NODE_POOL: 'default',
    NOMAD_CONSTRAINTS: '[{"attribute":"${attr.kernel.name}","value":"linux"},{"attribute":"${meta.gpu}","operator":"is_set"}]',
    NOMAD_GPU_COUNT: '1',
    NOMAD_GPU_MODEL: 'Tesla T4',
  },
  'Vault secrets (restart)': { ...VAULT },
  'Vault secrets (signal)': { ...VAULT, VAULT_CHANGE_MODE: 'signal', VAULT_CHANGE_SIGNAL: 'SIGUSR1' },
  'job-level registry auth, certificates': {
    NOMAD_IMAGE: 'registry.example:5000/dev/ubuntu:22.04',
    NOMAD_REGISTRY_AUTH: 'job',
    NOMAD_REGISTRY_USERNAME: 'robot',
    NOMAD_REGISTRY_PASSWORD: 'registry-password',
    NOMAD_REGISTRY_SERVER: 'registry.example:5000',
    NOMAD_CA_CERTS: 'default',
  },
  'host Docker socket': { NOMAD_DOCKER_ACCESS: 'host-socket' },
  'a host volume (exec)': { NOMAD_DRIVER: 'exec', NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'devpod-home' },
  'a CSI volume by name': { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_SOURCE: 'workspace-vol', NOMAD_VOLUME_ACCESS_MODE: 'single-node-writer' },
  'a CSI volume of its own': { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'aws-ebs', NOMAD_VOLUME_SIZE: '30GB' },
  'a dynamic host volume of its own': { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_SIZE: '30GB', NOMAD_VOLUME_MOUNT: '/workspaces' },
  'raw_exec, idle stop': { NOMAD_DRIVER: 'raw_exec', NOMAD_CPU: '100', INACTIVITY_TIMEOUT: '30m' },
  'podman with registry auth': {
    NOMAD_DRIVER: 'podman',
    NOMAD_REGISTRY_AUTH: 'job',
    NOMAD_REGISTRY_USERNAME: 'robot',
    NOMAD_REGISTRY_PASSWORD: 'pw',
  },
  'nspawn with driver options': {
    NOMAD_DRIVER: 'nspawn',
    NOMAD_IMAGE: 'debian-bookworm',
    NOMAD_NSPAWN_CONFIG_JSON: '{"resolv_conf":"copy-host","environment":{"LANG":"C.UTF-8"},"bind":{"/srv/cache":"/cache"}}',
  },
  'a JSON job template with workload identities, Vault secrets': { ...VAULT, NOMAD_JOB_TEMPLATE: t.json(version) },
});
