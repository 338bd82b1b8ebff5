// The status DevPod sees, for every combination of job status and stop flag, allocation client and desired
// status, and task state. The expectation is the table in docs/architecture.md (first matching row wins); every
// combination is checked against it, and every row must be the answer for at least one combination.
import { describe, expect, it } from 'vitest';
import type { ClientStatus, DesiredStatus, JobStatus } from '../../src/adapters/nomad/types.js';
import { statusOf, type WorkspaceStatus } from '../../src/machines/status.js';
import { applySnapshot, emptyView } from '../../src/machines/facts.js';
import { derive, type Phase } from '../../src/machines/phase.js';
import { NOW, JOB, alloc, evaluation, job, type task, type TaskKind } from '../helpers/facts.js';

type JobCase = 'absent' | `${'run' | 'stop'}/${JobStatus}`;
type Row = [job: string, client: string, desired: string, task: string, phase: Phase, status: WorkspaceStatus];

// job: absent | stop | live (not stopped) | live/dead ; '*' matches anything; 'a|b' matches either.
const TABLE: Row[] = [
  ['absent', '*', '*', '*', 'notFound', 'NotFound'],
  ['stop', 'pending|running', '*', '*', 'stopping', 'Busy'],
  ['stop', '*', '*', '*', 'stopped', 'Stopped'],
  ['live/dead', 'none', '*', '*', 'stopped', 'Stopped'],
  ['live', 'none', '*', '*', 'pending', 'Busy'],
  ['live', 'unknown', 'run', '*', 'restarting', 'Busy'],
  ['live', 'pending|running', 'run', 'failed', 'failed', 'Stopped'],
  ['live', 'pending|running', 'run', 'crashloop', 'failed', 'Stopped'],
  ['live', 'pending|running', 'run', 'refused', 'failed', 'Stopped'],
  ['live', 'pending|running', 'run', 'restarting|flapping', 'restarting', 'Busy'],
  ['live', 'pending|running', 'run', 'none|pending', 'scheduled', 'Busy'],
  ['live', 'pending|running', 'run', 'running|recovered', 'running', 'Running'],
  ['live', 'pending|running', 'run', 'done', 'stopped', 'Stopped'],
  ['live', 'failed|lost', 'run', '*', 'failed', 'Stopped'],
  ['live', 'complete', 'run', '*', 'stopped', 'Stopped'],
  ['live/dead', '*', 'stop|evict', '*', 'stopped', 'Stopped'],
  ['live', '*', 'stop|evict', '*', 'pending', 'Busy'],
];

const JOBS: JobCase[] = ['absent', 'run/pending', 'run/running', 'run/dead', 'stop/pending', 'stop/running', 'stop/dead'];
const CLIENTS: (ClientStatus | 'none')[] = ['none', 'pending', 'running', 'complete', 'failed', 'lost', 'unknown'];
const DESIRED: DesiredStatus[] = ['run', 'stop', 'evict'];
const TASKS: TaskKind[] = ['none', 'pending', 'running', 'done', 'failed', 'restarting', 'flapping', 'recovered', 'crashloop', 'refused'];

const matches = (pattern: string, value: string) => pattern === '*' || pattern.split('|').includes(value);
function jobMatches(pattern: string, j: JobCase): boolean {
  if (pattern === 'absent') return j === 'absent';
  if (pattern === 'stop') return j.startsWith('stop/');
  if (pattern === 'live') return j.startsWith('run/');
  if (pattern === 'live/dead') return j === 'run/dead';
  throw new Error(`bad job pattern ${pattern}`);
}

const opts = { now: NOW, stableMs: 10_000, crashLoopRestarts: 3 };

function observe(j: JobCase, client: ClientStatus | 'none', desired: DesiredStatus, t: TaskKind) {
  const [flag, status] = j.split('/') as ['run' | 'stop', JobStatus];
  const view = applySnapshot(emptyView(JOB), {
    job: j === 'absent' ? null : job({ stop: flag === 'stop', status }),
    allocs: client === 'none' ? [] : [alloc(client, desired, t)],
    evals: [],
    index: 20,
  });
  return derive(view, opts);
}

describe('status for every combination of job, allocation and task state', () => {
  const used = new Set<number>();
  const cases: [JobCase, ClientStatus | 'none', DesiredStatus, TaskKind][] = [];
  for (const j of JOBS)
    for (const c of CLIENTS)
      for (const d of c === 'none' ? (['run'] as DesiredStatus[]) : DESIRED)
        for (const t of c === 'none' ? (['none'] as TaskKind[]) : TASKS) cases.push([j, c, d, t]);

  it(`covers ${cases.length} combinations, each answered by the first matching row of the table`, () => {
    const wrong: string[] = [];
    for (const [j, c, d, t] of cases) {
      const row = TABLE.findIndex(([pj, pc, pd, pt]) => jobMatches(pj, j) && matches(pc, c) && matches(pd, d) && matches(pt, t));
      expect(row, `no table row for ${j} ${c} ${d} ${t}`).toBeGreaterThanOrEqual(0);
      used.add(row);
      const obs = observe(j, c, d, t);
      const [, , , , phase, status] = TABLE[row]!;
      if (obs.phase !== phase || statusOf(obs.phase) !== status)
        wrong.push(`${j} ${c} ${d} ${t}: got ${obs.phase}/${statusOf(obs.phase)}, table says ${phase}/${status}`);
      if (obs.phase !== 'running') expect(obs.reason, `${j} ${c} ${d} ${t} has no reason`).toBeTruthy();
    }
    expect(wrong).toEqual([]);
    expect([...used].sort((a, b) => a - b)).toEqual(TABLE.map((_, i) => i));
  });
});

describe('evaluations', () => {
  const live = (evals: ReturnType<typeof evaluation>[], allocs: ReturnType<typeof alloc>[] = []) =>
    derive(applySnapshot(emptyView(JOB), { job: job(), allocs, evals, index: 30 }), opts);

  it('reports a placement failure with its reason as failed (Stopped), not as an endless Busy', () => {
    const obs = live([evaluation({ failedMemory: true })]);
    expect(obs).toMatchObject({ phase: 'failed', reason: 'task group "workspace" cannot be placed: 1 node without enough memory' });
    expect(statusOf(obs.phase)).toBe('Stopped');
  });

  it('reports a failed evaluation with its description', () => {
    expect(live([evaluation({ status: 'failed', description: 'maximum attempts reached (5)' })])).toMatchObject({
      phase: 'failed',
      reason: 'evaluation failed: maximum attempts reached (5)',
    });
  });

  it('is pending while a newer evaluation than the last allocation is still to be processed', () => {
    const old = alloc('complete', 'run', 'done', { createIndex: 12 });
    expect(live([evaluation({ status: 'pending', createIndex: 25 })], [old]).phase).toBe('pending');
  });

  it('lets a placement that later succeeds win over the earlier failure', () => {
    const placed = alloc('running', 'run', 'running', { createIndex: 40, modifyIndex: 41 });
    expect(live([evaluation({ failedMemory: true, createIndex: 11 })], [placed]).phase).toBe('running');
  });

  it('follows the newest allocation that Nomad wants running', () => {
    const old = alloc('failed', 'stop', 'failed', { createIndex: 12 });
    const replacement = alloc('pending', 'run', 'pending', { createIndex: 20, modifyIndex: 21 });
    expect(live([], [old, replacement]).phase).toBe('scheduled');
  });
});

describe('reasons that outlive the facts that showed them', () => {
  it('a replacement on its way up names the allocation it replaces and why (from a stub or a full allocation)', () => {
    const lost = {
      ...alloc('lost', 'stop', 'running'),
      ID: 'aaaaaaaa-old',
      NodeName: 'client-1',
      DesiredDescription: 'alloc is lost since its node is down',
    };
    const next = {
      ...alloc('pending', 'run', 'pending'),
      ID: 'bbbbbbbb-new',
      NodeName: 'client-2',
      CreateIndex: lost.CreateIndex + 5,
      ModifyIndex: lost.ModifyIndex + 5,
    };
    for (const [old, replacement] of [
      [{ ...lost, NextAllocation: next.ID }, next],
      [lost, { ...next, PreviousAllocation: lost.ID }],
    ] as const) {
      const view = applySnapshot(emptyView(JOB), { job: job({ stop: false, status: 'pending' }), allocs: [old, replacement], evals: [], index: 40 });
      const obs = derive(view, opts);
      expect(statusOf(obs.phase)).toBe('Busy');
      expect(obs.reason).toMatch(/; replacing allocation aaaaaaaa, lost with node client-1 \(alloc is lost since its node is down\)$/);
    }
  });

  it('a job the provider stopped keeps the cause in its meta, and status says it', () => {
    const stopped = job({ stop: true, status: 'dead' });
    const view = applySnapshot(emptyView(JOB), {
      job: { ...stopped, Meta: { ...stopped.Meta, 'devpod.stop-reason': '1 node without enough memory' } },
      allocs: [],
      evals: [],
      index: 40,
    });
    expect(derive(view, opts)).toMatchObject({ phase: 'stopped', reason: 'job stopped after: 1 node without enough memory' });
  });
});

describe('evaluations that place nothing', () => {
  it("a completed evaluation after a failure (the deployment watcher's) does not turn a failed workspace back into pending", () => {
    const failed = alloc('failed', 'run', 'failed', { createIndex: 12, modifyIndex: 30 });
    const view = applySnapshot(emptyView(JOB), {
      job: job({ stop: false, status: 'pending' }),
      allocs: [failed],
      evals: [evaluation({ createIndex: 11 }), { ...evaluation({ createIndex: 31 }), TriggeredBy: 'deployment-watcher' }],
      index: 40,
    });
    expect(derive(view, opts).phase).toBe('failed');
  });

  it('an evaluation still pending after the newest allocation means a new placement is coming', () => {
    const done = alloc('complete', 'run', 'done', { createIndex: 12, modifyIndex: 30 });
    const view = applySnapshot(emptyView(JOB), {
      job: job({ stop: false, status: 'pending' }),
      allocs: [done],
      evals: [evaluation({ createIndex: 31, status: 'pending' })],
      index: 40,
    });
    expect(derive(view, opts).phase).toBe('pending');
  });
});

describe('Vault, as Nomad reports it', () => {
  const ev = (Type: string, agoMs: number, DisplayMessage: string) => ({ Type, Time: (NOW - agoMs) * 1e6, DisplayMessage });
  const withTask = (client: ClientStatus, ts: ReturnType<typeof task>) => {
    const a = { ...alloc(client, 'run', 'none'), TaskStates: { workspace: ts } };
    return derive(applySnapshot(emptyView(JOB), { job: job(), allocs: [a], evals: [], index: 30 }), opts);
  };

  it('a template waiting on a Vault read says which read, while Nomad retries it', () => {
    const obs = withTask('pending', {
      State: 'pending',
      Failed: false,
      Restarts: 0,
      Events: [
        ev('Received', 9000, 'Task received by client'),
        ev('Task Setup', 8000, 'Building Task Directory'),
        ev('Template', 3000, 'Missing: vault.read(secret/data/devpod/missing)'),
      ],
    });
    expect(obs).toMatchObject({
      phase: 'scheduled',
      reason: 'task "workspace" starting on node node-1: Missing: vault.read(secret/data/devpod/missing)',
    });
  });

  it('a task a hook failed (template, Vault login) is failed with the hook\'s reason, not "killed"', () => {
    for (const why of [
      'Template failed: vault.read(secret/data/x): no secret exists at secret/data/x',
      'Vault: failed to derive vault token: role "r" could not be found',
    ]) {
      const obs = withTask('failed', {
        State: 'dead',
        Failed: true,
        Restarts: 0,
        Events: [ev('Received', 9000, 'Task received by client'), ev('Killing', 3000, why), ev('Killed', 2000, 'Task successfully killed')],
      });
      expect(obs).toMatchObject({ phase: 'failed', reason: `task "workspace": ${why}` });
    }
  });

  it('no node with a reachable Vault is a placement failure that says so', () => {
    const e = {
      ...evaluation(),
      FailedTGAllocs: { workspace: { NodesEvaluated: 2, NodesInPool: 2, ConstraintFiltered: { '${attr.vault.version} semver >= 0.6.1': 2 } } },
    };
    const obs = derive(applySnapshot(emptyView(JOB), { job: job(), allocs: [], evals: [e], index: 30 }), opts);
    expect(obs).toMatchObject({
      phase: 'failed',
      reason:
        'task group "workspace" cannot be placed: 2 nodes without a reachable Vault (the client\'s vault block names none, or Vault did not answer when the client checked)',
    });
  });
});
