// A secure cluster (test/harness/nomad-cluster.ts) set up for provider tests: the busybox image in the harness's
// Docker engine, a client token made from the policy we ship, and DevPod's environment for a machine on it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { dockerCli } from '../harness/docker-engine.js';
import { startSecureCluster, type ClusterOptions, type SecureCluster } from '../harness/nomad-cluster.js';
import { devpodEnv } from './cli.js';
import { busyboxRootfs, importImage } from './images.js';

export const IMAGE = 'devpod-test/busybox:1';
export const SHIPPED_POLICY = readFileSync('deploy/nomad-acl-policy.hcl', 'utf8');

export interface ProviderCluster {
  cluster: SecureCluster;
  /** A client token with only the shipped policy. */
  token: string;
  /** A scratch directory, removed with the cluster. */
  work: string;
  /** DevPod's environment for `machine`: TLS settings, the policy token, the docker driver and the test image. */
  env(machine: string, extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

export async function startProviderCluster(opts: Omit<ClusterOptions, 'dockerEndpoint'> = {}): Promise<ProviderCluster> {
  const endpoint = inject('dockerEndpoint');
  const work = mkdtempSync(join(tmpdir(), 'provider-cluster-'));
  importImage(dockerCli(endpoint), busyboxRootfs(work), IMAGE);
  const cluster = await startSecureCluster({ clients: 2, ...opts, dockerEndpoint: endpoint });
  const token = await cluster.tokenFor('devpod', SHIPPED_POLICY);
  return {
    cluster,
    token,
    work,
    env: (machine, extra = {}) =>
      devpodEnv(machine, { ...cluster.tlsEnv(), NOMAD_TOKEN: token, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: IMAGE, ...extra }),
    stop: async () => {
      await cluster.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
