// /v1/agent/members and /v1/status/leader: who we are talking to, and whether it has a leader.
import type { NomadHttp, Result } from './http.js';

/** One agent of the gossip pool; servers carry their Nomad version in Tags.build (e.g. "1.6.1"). */
export interface AgentMember {
  Name: string;
  Status: string;
  Tags?: Record<string, string>;
}

export interface AgentMembers {
  ServerRegion?: string;
  Members?: AgentMember[];
}

export class AgentApi {
  constructor(private readonly http: NomadHttp) {}

  /** The servers of every federated region. Nomad asks node:read for it, which the shipped policy grants. */
  members(): Promise<Result<AgentMembers>> {
    return this.http.request('GET', '/v1/agent/members', { capability: 'node:read' });
  }

  leader(): Promise<Result<string>> {
    return this.http.request('GET', '/v1/status/leader');
  }
}
