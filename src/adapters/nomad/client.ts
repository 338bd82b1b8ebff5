// One entry point over the resource modules; the only object the rest of the program receives.
import { Acl } from './acl.js';
import { AgentApi } from './agent.js';
import { Allocations } from './allocations.js';
import type { NomadConnection } from './connection.js';
import { Evaluations } from './evaluations.js';
import { EventStream } from './events.js';
import { NomadHttp } from './http.js';
import { Jobs } from './jobs.js';
import { Nodes } from './nodes.js';
import { Services } from './services.js';
import { Variables } from './variables.js';
import { CsiVolumes, HostVolumes } from './volumes.js';

export class NomadClient {
  readonly http: NomadHttp;
  readonly jobs: Jobs;
  readonly allocations: Allocations;
  readonly evaluations: Evaluations;
  readonly agent: AgentApi;
  readonly nodes: Nodes;
  readonly events: EventStream;
  readonly acl: Acl;
  readonly hostVolumes: HostVolumes;
  readonly csiVolumes: CsiVolumes;
  readonly variables: Variables;
  readonly services: Services;

  constructor(conn: NomadConnection) {
    this.http = new NomadHttp(conn);
    this.jobs = new Jobs(this.http);
    this.allocations = new Allocations(this.http);
    this.evaluations = new Evaluations(this.http);
    this.agent = new AgentApi(this.http);
    this.nodes = new Nodes(this.http);
    this.events = new EventStream(this.http);
    this.acl = new Acl(this.http);
    this.hostVolumes = new HostVolumes(this.http);
    this.csiVolumes = new CsiVolumes(this.http);
    this.variables = new Variables(this.http);
    this.services = new Services(this.http);
  }
}
