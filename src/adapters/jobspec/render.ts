// The job as we show it to people (plan, logs): registry passwords and anything else secret replaced, so rendered
// specs never carry a secret. Vault values never reach us at all; the templates name paths and fields only.
import type { NomadJob } from '../nomad/types.js';

const SECRET_KEYS = /^(password|secret|token|identity_token)$/i;
/** A reference the client resolves from the task's environment (`${DEVPOD_REGISTRY_PASSWORD}`): no secret, shown. */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) && typeof v === 'string' && v !== '' && !ENV_REFERENCE.test(v) ? '<redacted>' : redact(v)]));
  }
  return value;
}

export const redactJob = (job: NomadJob): NomadJob => redact(job) as NomadJob;
