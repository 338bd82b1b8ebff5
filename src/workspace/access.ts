// What the options ask of the Nomad token, and whether its policies grant it: `init` names a missing capability
// up front instead of letting `create` or DevPod's first `command` fail halfway. deploy/nomad-acl-policy.hcl is
// the policy that grants exactly these.
import type { ProviderConfig } from '../adapters/config/index.js';
import { registryVariablePath } from '../adapters/jobspec/registry-auth.js';
import { WORKSPACE_VOLUME_PREFIX } from '../adapters/jobspec/volume.js';
import type { AclToken } from '../adapters/nomad/acl.js';
import { addRules, describeNeed, emptyGrants, missingNeeds, type Need } from '../adapters/nomad/acl-rules.js';
import type { NomadClient } from '../adapters/nomad/client.js';
import { NomadError } from '../adapters/nomad/errors.js';

export function neededAccess(config: ProviderConfig): Need[] {
  const name = config.connection.namespace ?? 'default';
  const ns = (capability: string, why: string): Need => ({ scope: 'namespace', name, capability, why });
  const needs = [
    ns('read-job', 'status, and every wait: job, allocation and evaluation reads and their event stream topics'),
    ns('submit-job', 'create, start, stop and delete'),
    ns('alloc-exec', 'command, which DevPod runs its agent and SSH through'),
  ];
  // Nomad asks for node-level exec rights for tasks without filesystem isolation (client/alloc_endpoint.go).
  if (config.driver === 'raw_exec') needs.push(ns('alloc-node-exec', 'command on raw_exec tasks (NOMAD_DRIVER=raw_exec)'));
  if (config.registryAuth.mode === 'job') {
    // The password lives in the variable nomad/jobs/<job id>; every workspace's job id starts with devpod-.
    const path = registryVariablePath('devpod-*');
    needs.push({
      scope: 'variables',
      namespace: name,
      path,
      capability: 'write',
      why: "NOMAD_REGISTRY_AUTH=job: create and start keep the registry password in the workspace job's variable",
    });
    needs.push({ scope: 'variables', namespace: name, path, capability: 'destroy', why: 'NOMAD_REGISTRY_AUTH=job: delete removes that variable' });
  }
  const vol = config.volume;
  if (vol?.type === 'host') {
    needs.push({
      scope: 'host_volume',
      name: vol.source,
      capability: vol.readOnly ? 'mount-readonly' : 'mount-readwrite',
      why: `NOMAD_VOLUME_TYPE=host mounts "${vol.source}"`,
    });
  } else if (vol?.type === 'dynamic') {
    // The volume is named after the workspace's job, so a rule for "devpod-*" (or a wider glob) covers every workspace.
    needs.push(ns('host-volume-create', "create with NOMAD_VOLUME_TYPE=dynamic makes the workspace's volume, and reads it until it is ready"));
    if (!vol.managed?.keep)
      needs.push(
        ns('host-volume-delete', 'delete with NOMAD_VOLUME_TYPE=dynamic removes the workspace\'s volume; policy = "write" does not include it'),
      );
    needs.push({
      scope: 'host_volume',
      name: `${WORKSPACE_VOLUME_PREFIX}*`,
      capability: vol.readOnly ? 'mount-readonly' : 'mount-readwrite',
      why: 'NOMAD_VOLUME_TYPE=dynamic: the workspace job mounts its volume, named after the job',
    });
  } else if (vol?.type === 'csi') {
    if (vol.managed)
      needs.push(
        ns('csi-write-volume', "NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN: create makes the workspace's CSI volume, delete removes it"),
      );
    needs.push(ns('csi-mount-volume', `NOMAD_VOLUME_TYPE=csi mounts ${vol.managed ? "the workspace's volume" : `"${vol.source}"`}`));
    needs.push({
      scope: 'plugin',
      capability: 'read',
      why: 'NOMAD_VOLUME_TYPE=csi: Nomad checks the CSI plugin is readable when a job mounts its volume',
    });
  }
  return needs;
}

export type AccessCheck = { checked: true; missing: Need[] } | { checked: false; why: string };

/** Reads the token's own policies (and its roles' policies) and works out which needs they leave out. */
export async function checkAccess(nomad: NomadClient, needs: Need[]): Promise<AccessCheck> {
  let token: AclToken;
  try {
    token = (await nomad.acl.self()).data;
  } catch (err) {
    if (err instanceof NomadError && /ACL support disabled/i.test(err.body ?? ''))
      return { checked: false, why: 'ACLs are disabled on this cluster' };
    if (err instanceof NomadError && (err.kind === 'forbidden' || err.kind === 'notFound') && !nomad.http.conn.token)
      return { checked: false, why: 'no token given (NOMAD_TOKEN): the anonymous policy applies' };
    throw err;
  }
  // Nomad 1.11 answers with a stand-in token when ACLs are off: AccessorID "acls-disabled".
  if (token.AccessorID === 'acls-disabled') return { checked: false, why: 'ACLs are disabled on this cluster' };
  if (token.Type === 'management') return { checked: true, missing: [] };
  const names = new Set(token.Policies ?? []);
  try {
    for (const role of token.Roles ?? []) for (const p of (await nomad.acl.role(role.ID)).data.Policies ?? []) names.add(p.Name);
    const grants = emptyGrants();
    for (const name of names) addRules(grants, (await nomad.acl.policy(name)).data.Rules);
    return { checked: true, missing: missingNeeds(grants, needs) };
  } catch (err) {
    return { checked: false, why: `the token's policies could not be read (${(err as Error).message})` };
  }
}

export const describeMissing = (missing: Need[]): string => missing.map((n) => `  - ${describeNeed(n)}`).join('\n');
