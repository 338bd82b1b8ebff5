// /v1/job(s): register, read, stop, purge, plan, validate, and a job's allocations and evaluations.
import { orUndefined, type NomadHttp, type Result } from './http.js';
import type { Allocation, Evaluation, JobPlanResponse, JobRegisterResponse, JobStub, JobValidateResponse, NomadJob } from './types.js';

const enc = encodeURIComponent;

export class Jobs {
  constructor(private readonly http: NomadHttp) {}

  register(job: NomadJob): Promise<Result<JobRegisterResponse>> {
    return this.http.request('PUT', '/v1/jobs', { body: { Job: job }, capability: 'submit-job' });
  }

  /** Job stubs whose id starts with `prefix`. */
  list(prefix: string): Promise<Result<JobStub[]>> {
    return this.http.request('GET', '/v1/jobs', { query: { prefix }, capability: 'list-jobs' });
  }

  /**
   * The same list with each job's Meta (`meta=true`): every field of a job but its task groups and version, so a
   * reader of many jobs' state reads them in one answer (src/workspace/lifecycle/bulk-snapshot.ts).
   */
  listWithMeta(prefix: string, signal?: AbortSignal): Promise<Result<NomadJob[]>> {
    return this.http.request('GET', '/v1/jobs', { query: { prefix, meta: true }, signal, capability: 'list-jobs' });
  }

  /** The job, or undefined when Nomad has none by that id (never registered, or purged). */
  read(id: string, signal?: AbortSignal): Promise<Result<NomadJob | undefined>> {
    return orUndefined(this.http.request<NomadJob>('GET', `/v1/job/${enc(id)}`, { signal, capability: 'read-job' }));
  }

  /** Stops the job's allocations but keeps its definition (Stop=true), so it can be started again. */
  stop(id: string): Promise<Result<{ EvalID: string; JobModifyIndex: number }>> {
    return this.http.request('DELETE', `/v1/job/${enc(id)}`, { query: { purge: false }, capability: 'submit-job' });
  }

  /** Stops and removes the job from Nomad's state; a later read is a 404. */
  purge(id: string): Promise<Result<{ EvalID: string; JobModifyIndex: number }>> {
    return this.http.request('DELETE', `/v1/job/${enc(id)}`, { query: { purge: true }, capability: 'submit-job' });
  }

  /** An HCL job as Nomad's own parser reads it (not canonicalized: only what the text says). */
  parse(hcl: string): Promise<Result<NomadJob>> {
    return this.http.request('PUT', '/v1/jobs/parse', { body: { JobHCL: hcl, Canonicalize: false }, capability: 'submit-job' });
  }

  plan(job: NomadJob, diff = true): Promise<Result<JobPlanResponse>> {
    return this.http.request('PUT', `/v1/job/${enc(job.ID)}/plan`, { body: { Job: job, Diff: diff }, capability: 'submit-job' });
  }

  validate(job: NomadJob): Promise<Result<JobValidateResponse>> {
    return this.http.request('PUT', '/v1/validate/job', { body: { Job: job }, capability: 'read-job' });
  }

  allocations(id: string, signal?: AbortSignal): Promise<Result<Allocation[]>> {
    return this.http.request('GET', `/v1/job/${enc(id)}/allocations`, { query: { all: true }, signal, capability: 'read-job' });
  }

  evaluations(id: string, signal?: AbortSignal): Promise<Result<Evaluation[]>> {
    return this.http.request('GET', `/v1/job/${enc(id)}/evaluations`, { signal, capability: 'read-job' });
  }
}
