// What the provider can learn about Vault without a Vault token of its own, before a job is submitted: whether the
// server answers and is unsealed (sys/seal-status is unauthenticated), and whether the JWT auth role the job logs in
// with exists (a login with a dummy token is refused with "role ... could not be found" before the token is read,
// in Vault's JWT auth plugin). Nothing else is asked and no secret is read.
import axios, { isAxiosError } from 'axios';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';

export type VaultProbe =
  | { ok: true; version?: string }
  /** sealed: Vault answers but cannot serve; role: the role the job names does not exist at the auth mount. */
  | { ok: false; problem: 'sealed' | 'role'; message: string }
  /** Not reachable from here, which says nothing about the Nomad clients (they may be on another network). */
  | { ok: false; problem: 'unreachable'; message: string };

export interface ProbeOptions {
  /** The JWT auth role to look for; none in Vault's token flow (Nomad before 1.7), where the servers hold the role. */
  role?: string;
  /** The JWT auth mount Nomad logs in at (the agent's vault.jwt_auth_backend_path). */
  authPath?: string;
  namespace?: string;
  /** PEM file of the CA that signed Vault's certificate (VAULT_CACERT, as the vault CLI reads it). */
  caCertPath?: string;
  timeoutMs?: number;
}

export async function probeVault(address: string, o: ProbeOptions): Promise<VaultProbe> {
  const base = address.replace(/\/+$/, '');
  const http = axios.create({
    baseURL: `${base}/v1/`,
    timeout: o.timeoutMs ?? 3000,
    headers: o.namespace ? { 'X-Vault-Namespace': o.namespace } : {},
    validateStatus: () => true,
    ...(o.caCertPath ? { httpsAgent: new HttpsAgent({ ca: readFileSync(o.caCertPath, 'utf8') }) } : {}),
  });
  let seal: { sealed?: boolean; version?: string };
  try {
    const res = await http.get('sys/seal-status');
    if (res.status !== 200)
      return { ok: false, problem: 'unreachable', message: `Vault at ${base} answered sys/seal-status with HTTP ${res.status}` };
    seal = res.data as typeof seal;
  } catch (err) {
    const why = isAxiosError(err) ? (err.code ?? err.message) : String(err);
    return { ok: false, problem: 'unreachable', message: `Vault at ${base} is not reachable from here (${why})` };
  }
  if (seal.sealed)
    return { ok: false, problem: 'sealed', message: `Vault at ${base} is sealed: no workspace can get its secrets until an operator unseals it` };
  if (o.role === undefined) return { ok: true, version: seal.version };
  const authPath = o.authPath ?? 'jwt-nomad';
  try {
    const res = await http.post(`auth/${authPath}/login`, { role: o.role, jwt: 'not-a-token' });
    const errors = ((res.data as { errors?: string[] } | undefined)?.errors ?? []).join('; ');
    if (/role .* could not be found/.test(errors)) {
      return {
        ok: false,
        problem: 'role',
        message: `Vault at ${base} has no role "${o.role}" at auth/${authPath} (VAULT_ROLE): Vault answered "${errors}"`,
      };
    }
  } catch {
    // The login probe is a bonus; seal-status already answered.
  }
  return { ok: true, version: seal.version };
}
