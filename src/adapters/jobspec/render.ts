// The job as we show it to people (plan, logs): every value that carries a secret replaced, so rendered specs never
// carry one. Our own jobs hold none (the registry password is a reference, Vault values never reach us); a team's
// NOMAD_JOB_TEMPLATE may: driver auth, a Vault or Consul token of an older job, go-getter credentials of an
// artifact, a header of a check, a credential in env or meta. Template text (EmbeddedTmpl) is shown as written.
import type { NomadJob } from '../nomad/types.js';

export const REDACTED = '<redacted>';

/**
 * Keys whose values are secrets wherever they appear: `password` (docker/podman auth), `VaultToken`/`ConsulToken`
 * (job fields before workload identity), go-getter's `aws_access_key_secret`, `aws_access_token`, `sshkey`, and any
 * env, meta, header or option name that says credential (DB_PASSWORD, GITHUB_TOKEN, X-Api-Key, Authorization, …).
 */
export const SECRET_KEY = /passw(or)?d|secret|token|private[_-]?key|api[_-]?key|access[_-]?key|credential|sshkey|authorization|cookie/i;
/** A reference the client resolves from the task's environment (`${DEVPOD_REGISTRY_PASSWORD}`): no secret, shown. */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_.]*\}$/;
/** Query parameters that carry credentials in a go-getter URL (s3::…?aws_access_key_secret=…, git::…?sshkey=…). */
const SECRET_PARAM = SECRET_KEY;

/** Everything under a secret key: strings replaced, structure kept. */
function hideAll(value: unknown): unknown {
  if (typeof value === 'string') return value === '' || ENV_REFERENCE.test(value) ? value : REDACTED;
  if (Array.isArray(value)) return value.map(hideAll);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideAll(v)]));
  return value;
}

/** A URL's password and credential parameters (go-getter sources: `git::https://u:p@host/repo?sshkey=…`). */
function redactUrl(text: string): string {
  const m = /^([a-z0-9]+::)?([a-z][a-z0-9+.-]*:\/\/.*)$/i.exec(text);
  if (!m) return text;
  let url: URL;
  try {
    url = new URL(m[2]!);
  } catch {
    return text;
  }
  let changed = false;
  if (url.password) {
    url.password = 'redacted';
    changed = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) {
      url.searchParams.set(key, 'redacted');
      changed = true;
    }
  }
  return changed ? `${m[1] ?? ''}${url.toString()}` : text;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? hideAll(v) : redact(v)]));
  }
  return value;
}

export const redactJob = (job: NomadJob): NomadJob => redact(job) as NomadJob;
