// /v1/allocation(s)
import type { NomadHttp, Result } from './http.js';
import type { Allocation } from './types.js';

export class Allocations {
  constructor(private readonly http: NomadHttp) {}

  /** The namespace's allocations (list stubs, task states included) that match a filter expression. */
  list(filter: string, signal?: AbortSignal): Promise<Result<Allocation[]>> {
    return this.http.request('GET', '/v1/allocations', { query: { filter }, signal, capability: 'read-job' });
  }

  read(id: string, signal?: AbortSignal): Promise<Result<Allocation>> {
    return this.http.request('GET', `/v1/allocation/${encodeURIComponent(id)}`, { signal, capability: 'read-job' });
  }
}
