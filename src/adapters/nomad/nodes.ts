// /v1/node(s): the client nodes, for the architecture a workspace runs on.
import type { NomadHttp, Result } from './http.js';
import type { NomadNode, NomadNodeStub } from './types.js';

export class Nodes {
  constructor(private readonly http: NomadHttp) {}

  list(): Promise<Result<NomadNodeStub[]>> {
    return this.http.request('GET', '/v1/nodes', { capability: 'node:read' });
  }

  read(id: string): Promise<Result<NomadNode>> {
    return this.http.request('GET', `/v1/node/${encodeURIComponent(id)}`, { capability: 'node:read' });
  }
}
