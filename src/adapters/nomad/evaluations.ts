// /v1/evaluation(s)
import type { NomadHttp, Result } from './http.js';
import type { Evaluation } from './types.js';

export class Evaluations {
  constructor(private readonly http: NomadHttp) {}

  read(id: string, signal?: AbortSignal): Promise<Result<Evaluation>> {
    return this.http.request('GET', `/v1/evaluation/${encodeURIComponent(id)}`, { signal, capability: 'read-job' });
  }
}
