// /v1/service(s): Nomad-native service registrations (provider "nomad"), which hold a published workspace port's
// address (jobspec/ports.ts). Reading them needs read-job in the namespace.
import type { NomadHttp, Result } from './http.js';
import type { ServiceRegistration } from './types.js';

export class Services {
  constructor(private readonly http: NomadHttp) {}

  /** The registrations of one service; an empty list when none is registered (Nomad answers 200 with []). */
  read(name: string): Promise<Result<ServiceRegistration[]>> {
    return this.http.request('GET', `/v1/service/${encodeURIComponent(name)}`, { capability: 'read-job' });
  }
}
