// /v1/var: Nomad Variables, encrypted at rest by the servers' keyring. A task reads the ones under
// nomad/jobs/<its job> with its workload identity (Nomad's implicit policy), so a secret the task needs can live
// here and reach it through a template, never through the job spec.
import { orUndefined, type NomadHttp, type Result } from './http.js';

export interface NomadVariable {
  Namespace?: string;
  Path: string;
  Items?: Record<string, string>;
  CreateIndex?: number;
  ModifyIndex?: number;
}

/** A variable's path in a URL: each segment encoded, the slashes kept (they are part of the path). */
const urlPath = (path: string) => `/v1/var/${path.split('/').map(encodeURIComponent).join('/')}`;

export class Variables {
  constructor(private readonly http: NomadHttp) {}

  /** A request whose 403 names the capability as a policy's `variables { path "…" { capabilities } }` grants it. */
  private call<T>(method: 'GET' | 'PUT' | 'DELETE', path: string, capability: string, body?: unknown): Promise<Result<T>> {
    return this.http.request<T>(method, urlPath(path), { body, capability, capabilityOn: `variables path "${path}"` });
  }

  /** Creates or replaces the variable. Nomad answers with the variable, items included: the caller drops it. */
  async put(path: string, items: Record<string, string>): Promise<Result<undefined>> {
    const body: NomadVariable = { Namespace: this.http.conn.namespace, Path: path, Items: items };
    const res = await this.call<NomadVariable>('PUT', path, 'write', body);
    return { data: undefined, meta: res.meta };
  }

  /** The variable, or undefined when there is none at that path. */
  read(path: string): Promise<Result<NomadVariable | undefined>> {
    return orUndefined(this.call<NomadVariable>('GET', path, 'read'));
  }

  /** Removes the variable; removing one that is not there succeeds too. */
  delete(path: string): Promise<Result<unknown>> {
    return this.call('DELETE', path, 'destroy');
  }
}
