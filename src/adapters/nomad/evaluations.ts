// /v1/evaluations
import type { NomadHttp, Result } from './http.js';
import type { Evaluation } from './types.js';

export class Evaluations {
  constructor(private readonly http: NomadHttp) {}

  /** The namespace's evaluations that match a filter expression (the same objects a job's evaluation list holds). */
  list(filter: string, signal?: AbortSignal): Promise<Result<Evaluation[]>> {
    return this.http.request('GET', '/v1/evaluations', { query: { filter }, signal, capability: 'read-job' });
  }
}
