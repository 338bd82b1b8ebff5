// /v1/agent/self and /v1/status/leader: who we are talking to, and whether it has a leader.
import type { NomadHttp, Result } from './http.js';

export interface AgentSelf {
  config?: { Version?: { Version?: string }; Region?: string; Datacenter?: string };
  member?: { Name?: string };
  stats?: Record<string, unknown>;
}

export class AgentApi {
  constructor(private readonly http: NomadHttp) {}

  self(): Promise<Result<AgentSelf>> {
    return this.http.request('GET', '/v1/agent/self', { capability: 'agent:read' });
  }

  leader(): Promise<Result<string>> {
    return this.http.request('GET', '/v1/status/leader');
  }
}
