// The job as we show it to people (plan, logs): registry passwords and anything else secret replaced, so rendered
// specs never carry a secret. Vault values never reach us at all; the templates name paths and fields only.
import type { NomadJob } from '../nomad/types.js';

const SECRET_KEYS = /^(password|secret|token|identity_token)$/i;

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) && typeof v === 'string' && v !== '' ? '<redacted>' : redact(v)]));
  }
  return value;
}

export const redactJob = (job: NomadJob): NomadJob => redact(job) as NomadJob;
