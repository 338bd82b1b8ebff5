// /v1/acl: the token in use, and the policies and roles it carries (a token may read its own).
import type { NomadHttp, Result } from './http.js';

export interface AclToken {
  AccessorID: string;
  Name?: string;
  Type: 'client' | 'management';
  Policies?: string[] | null;
  Roles?: { ID: string; Name: string }[] | null;
  ExpirationTime?: string | null;
}

export interface AclPolicy {
  Name: string;
  Rules: string;
}

export interface AclRole {
  ID: string;
  Name: string;
  Policies?: { Name: string }[] | null;
}

const enc = encodeURIComponent;

export class Acl {
  constructor(private readonly http: NomadHttp) {}

  self(): Promise<Result<AclToken>> {
    return this.http.request('GET', '/v1/acl/token/self');
  }

  policy(name: string): Promise<Result<AclPolicy>> {
    return this.http.request('GET', `/v1/acl/policy/${enc(name)}`);
  }

  role(id: string): Promise<Result<AclRole>> {
    return this.http.request('GET', `/v1/acl/role/${enc(id)}`);
  }
}
