// The rendered workspace job for representative option sets: a snapshot of each (secrets redacted), each accepted
// by the real agent's job-validate endpoint, and the dry run's placement verdict from the real plan endpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { redactJob } from '../../src/adapters/jobspec/render.js';
import { buildWorkspaceJob, jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { readCluster } from '../../src/workspace/cluster.js';
import { planWorkspace } from '../../src/workspace/plan.js';
import { itOnNomad } from '../harness/nomad-versions.js';
import { sharedClient } from '../helpers/jobs.js';

const nomad = sharedClient();
const cwd = mkdtempSync(join(tmpdir(), 'jobspec-'));
const VAULT = {
  VAULT_ADDR: 'https://vault.example:8200',
  VAULT_POLICIES_JSON: '["devpod-secrets"]',
  VAULT_SECRETS_JSON:
    '[{"path":"secret/data/aws","fields":{"access_key_id":"AWS_ACCESS_KEY_ID","secret_access_key":"AWS_SECRET_ACCESS_KEY"}},{"path":"secret/data/ml/tokens","fields":{"hf_token":"HF_TOKEN"}}]',
};

const SETS: Record<string, Record<string, string>> = {
  'docker defaults': {},
  'docker, human units, cores, placement': {
    NOMAD_MEMORYMB: '4GB',
    NOMAD_DISKMB: '10GiB',
    NOMAD_CORES: '2',
    NOMAD_DATACENTERS: 'dc1,dc2',
    NOMAD_NODE_POOL: 'default',
    NOMAD_CONSTRAINTS: '[{"attribute":"${attr.kernel.name}","value":"linux"},{"attribute":"${meta.gpu}","operator":"is_set"}]',
  },
  'docker with Vault secrets (restart)': { ...VAULT },
  'docker with Vault secrets (signal)': { ...VAULT, VAULT_CHANGE_MODE: 'signal', VAULT_CHANGE_SIGNAL: 'SIGUSR1' },
  'docker with the Go provider certificate paths': { NOMAD_CA_CERTS: 'default' },
  'docker with job-level registry auth': {
    NOMAD_IMAGE: 'registry.example:5000/dev/ubuntu:22.04',
    NOMAD_REGISTRY_AUTH: 'job',
    NOMAD_REGISTRY_USERNAME: 'robot',
    NOMAD_REGISTRY_PASSWORD: 'registry-password-never-printed',
    NOMAD_REGISTRY_SERVER: 'registry.example:5000',
  },
  'docker with host Docker socket (explicit)': { NOMAD_DOCKER_ACCESS: 'host-socket' },
  'docker with a GPU': { NOMAD_GPU_COUNT: '2', NOMAD_GPU_MODEL: 'Tesla T4' },
  'docker with a CSI volume': {
    NOMAD_VOLUME_TYPE: 'csi',
    NOMAD_VOLUME_SOURCE: 'workspace-vol',
    NOMAD_VOLUME_MOUNT: '/workspaces',
    NOMAD_VOLUME_ACCESS_MODE: 'single-node-writer',
  },
  'exec with a host volume': { NOMAD_DRIVER: 'exec', NOMAD_VOLUME_TYPE: 'host', NOMAD_VOLUME_SOURCE: 'devpod-home' },
  'docker with a dynamic host volume of its own': { NOMAD_VOLUME_TYPE: 'dynamic', NOMAD_VOLUME_SIZE: '30GB', NOMAD_VOLUME_MOUNT: '/workspaces' },
  'docker with a CSI volume of its own': { NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: 'aws-ebs', NOMAD_VOLUME_SIZE: '30GB' },
  raw_exec: { NOMAD_DRIVER: 'raw_exec', NOMAD_CPU: '100' },
  'docker that stops when idle (INACTIVITY_TIMEOUT)': { INACTIVITY_TIMEOUT: '30m' },
  'podman with certificates and registry auth': {
    NOMAD_DRIVER: 'podman',
    NOMAD_CA_CERTS: '/etc/ssl/corp-ca.crt:/usr/local/share/ca-certificates/corp-ca.crt',
    NOMAD_REGISTRY_AUTH: 'job',
    NOMAD_REGISTRY_USERNAME: 'robot',
    NOMAD_REGISTRY_PASSWORD: 'registry-password-never-printed',
  },
  'docker with published ports behind Traefik': {
    NOMAD_PORTS: 'web=3000,api=8080',
    NOMAD_PORTS_HOST_NETWORK: 'private',
    NOMAD_INGRESS_DOMAIN: 'devpod.example.com',
    NOMAD_SERVICE_TAGS: 'traefik.enable=true,traefik.http.routers.${SERVICE}.rule=Host(`${HOST}`)',
  },
  'raw_exec with a published port': { NOMAD_DRIVER: 'raw_exec', NOMAD_PORTS: '3000' },
  'podman with a published port': { NOMAD_DRIVER: 'podman', NOMAD_PORTS: 'web=3000' },
  'nspawn with driver options': {
    NOMAD_DRIVER: 'nspawn',
    NOMAD_IMAGE: 'debian-bookworm',
    NOMAD_CA_CERTS: 'default',
    NOMAD_NSPAWN_CONFIG_JSON: '{"resolv_conf":"copy-host","user_namespacing":false,"environment":{"LANG":"C.UTF-8"},"bind":{"/srv/cache":"/cache"}}',
  },
};

/** What the harness's agent runs: the acceptance test submits the job built for it, as create would. */
const facts = readCluster(nomad);
const DYNAMIC = 'docker with a dynamic host volume of its own';

describe.each(Object.entries(SETS))('job for %s', (name, env) => {
  const request = { machineId: `spec-${name.replace(/\W+/g, '-')}`, providerVersion: 'test' };
  // The snapshot is the job for a current Nomad (servers' version unknown or 1.10+).
  const job = buildWorkspaceJob(request, loadConfig(env, { cwd }));

  it('renders as recorded (secrets redacted)', () => {
    expect(redactJob(job)).toMatchSnapshot();
    expect(JSON.stringify(redactJob(job))).not.toContain('registry-password-never-printed');
    // Not even before redaction: the password lives in a Nomad Variable (jobspec/registry-auth.ts).
    expect(JSON.stringify(job)).not.toContain('registry-password-never-printed');
  });

  if (env.VAULT_SECRETS_JSON) {
    it('renders for Nomad 1.6 (Vault token flow: policies, no role) and 1.7-1.9 (both) as recorded', () => {
      const cfg = loadConfig(env, { cwd });
      expect(buildWorkspaceJob(request, cfg, { version: [1, 6, 1] }).TaskGroups![0]!.Tasks[0]!.Vault).toMatchSnapshot();
      expect(buildWorkspaceJob(request, cfg, { version: [1, 9, 0] }).TaskGroups![0]!.Tasks[0]!.Vault).toMatchSnapshot();
    });
  }

  (name === DYNAMIC ? itOnNomad({ since: [1, 10, 0], feature: 'dynamic host volumes' }) : it)(
    'is accepted by the real agent, as built for its version',
    async () => {
      const built = buildWorkspaceJob(request, loadConfig(env, { cwd }), await facts);
      const res = (await nomad.jobs.validate(built)).data;
      expect(res.ValidationErrors ?? []).toEqual([]);
      expect(res.Error ?? '').toBe('');
    },
  );
});

describe('dry run against the real agent', () => {
  it('explains that a docker workspace cannot run on a raw_exec-only agent, instead of hanging', async () => {
    const job = buildWorkspaceJob({ machineId: 'plan-docker', providerVersion: 'test' }, loadConfig({}, { cwd }));
    const report = await planWorkspace(nomad, job);
    expect(report.ok).toBe(false);
    expect(report.placement.reasons).toEqual(['task group "workspace" cannot be placed: no node has the docker driver (1 node checked)']);
    expect((await nomad.jobs.read(jobIdFor('plan-docker'))).data).toBeUndefined();
  });

  it('says a raw_exec workspace would be placed', async () => {
    const job = buildWorkspaceJob({ machineId: 'plan-raw', providerVersion: 'test' }, loadConfig({ NOMAD_DRIVER: 'raw_exec' }, { cwd }));
    const report = await planWorkspace(nomad, job);
    expect(report.placement).toEqual({ placeable: true, reasons: [], place: 1 });
    expect(report.text).toContain('placement: would place 1 allocation(s)');
  });

  it('translates exhausted memory and a missing GPU into sentences', async () => {
    const mem = await planWorkspace(
      nomad,
      buildWorkspaceJob(
        { machineId: 'plan-mem', providerVersion: 'test' },
        loadConfig({ NOMAD_DRIVER: 'raw_exec', NOMAD_MEMORYMB: '64TB' }, { cwd }),
      ),
    );
    expect(mem.placement.reasons).toEqual(['task group "workspace" cannot be placed: 1 node without enough memory']);
    const gpu = await planWorkspace(
      nomad,
      buildWorkspaceJob({ machineId: 'plan-gpu', providerVersion: 'test' }, loadConfig({ NOMAD_DRIVER: 'raw_exec', NOMAD_GPU_COUNT: '1' }, { cwd })),
    );
    expect(gpu.ok).toBe(false);
    expect(gpu.placement.reasons.join(' ')).toMatch(/device|GPU/);
  });
});
