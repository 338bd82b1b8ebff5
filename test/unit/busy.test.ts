// Busy ends: how long a workspace has been on its way up, from the job's submission, its newest allocation and its
// newest evaluation (DevPod's fork polls a Busy workspace with no limit of its own).
import { describe, expect, it } from 'vitest';
import type { Allocation, Evaluation, NomadJob } from '../../src/adapters/nomad/types.js';
import { busySince, busyTooLong } from '../../src/machines/busy.js';
import { emptyView, type WorkspaceFacts } from '../../src/machines/facts.js';
import type { WorkspaceStateValue } from '../../src/machines/workspace.js';

const MS = 1_780_000_000_000;
const ns = (ms: number) => ms * 1e6;
const job = (over: Partial<NomadJob> = {}): NomadJob => ({ ID: 'devpod-a', CreateIndex: 10, ModifyIndex: 10, SubmitTime: ns(MS), ...over });
const alloc = (over: Partial<Allocation>): Allocation => ({
  ID: 'a1',
  JobID: 'devpod-a',
  ClientStatus: 'pending',
  DesiredStatus: 'run',
  CreateIndex: 12,
  ModifyIndex: 12,
  ...over,
});
const evaluation = (over: Partial<Evaluation>): Evaluation => ({
  ID: 'e1',
  JobID: 'devpod-a',
  Status: 'complete',
  CreateIndex: 11,
  ModifyIndex: 11,
  ...over,
});
const view = (j: NomadJob | null | undefined, allocs: Allocation[] = [], evals: Evaluation[] = []): WorkspaceFacts => ({
  ...emptyView('devpod-a'),
  job: j,
  allocs: Object.fromEntries(allocs.map((a) => [a.ID, a])),
  evals: Object.fromEntries(evals.map((e) => [e.ID, e])),
});

describe('busySince', () => {
  it.each([
    ['no job read yet', view(undefined), undefined],
    ['no job', view(null), undefined],
    ['a job just submitted', view(job()), MS],
    ['the newest allocation, created after the submission', view(job(), [alloc({ CreateTime: ns(MS + 5000) })]), MS + 5000],
    [
      'a replacement evaluation after a lost node',
      view(job(), [alloc({ CreateTime: ns(MS + 5000) })], [evaluation({ CreateIndex: 20, CreateTime: ns(MS + 60_000) })]),
      MS + 60_000,
    ],
    [
      'not the allocations of a purged namesake (an older instance)',
      view(job({ CreateIndex: 30 }), [alloc({ CreateIndex: 12, CreateTime: ns(MS + 90_000) })]),
      MS,
    ],
    ['a job without times (a Nomad that reports none)', view(job({ SubmitTime: undefined })), undefined],
  ])('%s', (_, v, expected) => {
    expect(busySince(v)).toBe(expected);
  });
});

describe('busyTooLong', () => {
  const TIMEOUT = 600_000;
  it.each<[WorkspaceStateValue, number | undefined, number, boolean]>([
    ['pending', MS, MS + TIMEOUT + 1, true],
    ['scheduled', MS, MS + TIMEOUT + 1, true],
    ['restarting', MS, MS + TIMEOUT + 1, true],
    ['pending', MS, MS + TIMEOUT, false],
    ['scheduled', MS, MS + 1000, false],
    ['stopping', MS, MS + TIMEOUT + 1, true],
    // Not on the way up or down at all, or a read still to come.
    ['running', MS, MS + 10 * TIMEOUT, false],
    ['stopped', MS, MS + 10 * TIMEOUT, false],
    ['hydrating', MS, MS + 10 * TIMEOUT, false],
    ['pending', undefined, MS + 10 * TIMEOUT, false],
  ])('%s since %s, at %s: %s', (state, since, now, expected) => {
    expect(busyTooLong(state, since, now, TIMEOUT)).toBe(expected);
  });
});
