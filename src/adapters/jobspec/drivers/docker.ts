// The docker driver: NOMAD_IMAGE with the keep-alive script, CA mounts, job-level registry auth, and the host's
// Docker socket only on the person's explicit opt-in.
import type { ProviderConfig } from '../../config/index.js';
import { portLabels } from '../ports.js';
import { registryPasswordRef } from '../registry-auth.js';
import { shell } from './shell.js';
import type { NodeNeed, TaskDriver } from './types.js';

function needs(cfg: ProviderConfig): NodeNeed[] {
  const needs: NodeNeed[] = [];
  if (cfg.caCerts.length || cfg.dockerAccess === 'host-socket') needs.push('docker-volumes');
  if (cfg.dockerAccess === 'host-socket') needs.push('docker-privileged');
  return needs;
}

function config(cfg: ProviderConfig, keepAlive?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { image: cfg.image, ...shell(cfg, keepAlive) };
  if (cfg.caCerts.length) c.mount = cfg.caCerts.map((m) => ({ type: 'bind', source: m.source, target: m.target, readonly: true }));
  if (cfg.registryAuth.mode === 'job') {
    // The password itself is in a Nomad Variable, never in the job (registry-auth.ts).
    const a = cfg.registryAuth;
    c.auth = [{ username: a.username, password: registryPasswordRef, ...(a.server ? { server_address: a.server } : {}) }];
  }
  // Published ports (ports.ts): the driver maps each label's host port to the workspace port.
  if (portLabels(cfg).length) c.ports = portLabels(cfg);
  if (cfg.dockerAccess === 'host-socket') {
    // Explicit opt-in (NOMAD_DOCKER_ACCESS=host-socket): DevPod's docker driver inside the workspace talks to the
    // node's daemon. Anyone in the workspace is root on the node.
    c.privileged = true;
    c.volumes = ['/var/run/docker.sock:/var/run/docker.sock'];
  }
  return c;
}

export const docker: TaskDriver = { name: 'docker', usesImage: true, mapsPorts: true, config, needs };
