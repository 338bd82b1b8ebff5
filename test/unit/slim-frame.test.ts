// A stream frame slimmed as its line is parsed (facts.slimFrame) must say to the machine exactly what the whole frame
// says: the same facts merged, the same phase derived, the same purge suspicion, the same job to route it to.
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyView, mayHidePurge, slimFrame } from '../../src/machines/facts.js';
import { derive } from '../../src/machines/phase.js';
import { jobOf } from '../../src/workspace/lifecycle/shared-stream.js';
import type { StreamFrame } from '../../src/adapters/nomad/types.js';

const job = {
  ID: 'devpod-a',
  Name: 'devpod-a',
  Namespace: 'default',
  Type: 'service',
  Status: 'running',
  Stop: false,
  Version: 1,
  Meta: { 'devpod.workspace': 'a' },
  SubmitTime: 1,
  CreateIndex: 10,
  ModifyIndex: 12,
  JobModifyIndex: 12,
  Datacenters: ['*'],
  TaskGroups: [{ Name: 'workspace', Count: 1, Tasks: [{ Name: 'dev', Driver: 'docker', Config: { image: 'x' }, Resources: { CPU: 500 } }] }],
};
const alloc = {
  ID: 'a1-0000-0000',
  JobID: 'devpod-a',
  NodeID: 'n1',
  NodeName: 'node-1',
  ClientStatus: 'running',
  ClientDescription: 'Tasks are running',
  DesiredStatus: 'run',
  DesiredDescription: '',
  CreateIndex: 13,
  ModifyIndex: 15,
  CreateTime: 5,
  Resources: { CPU: 500, Networks: [{ IP: '127.0.0.1' }] },
  Metrics: { NodesEvaluated: 1 },
  TaskStates: {
    dev: {
      State: 'running',
      Failed: false,
      Restarts: 0,
      StartedAt: 'now',
      Events: [{ Type: 'Started', Time: 4, DisplayMessage: 'Task started by client', Message: '', Details: { big: 'x' } }],
    },
  },
};
const evaluation = {
  ID: 'e1',
  JobID: 'devpod-a',
  Status: 'complete',
  TriggeredBy: 'job-deregister',
  CreateIndex: 16,
  ModifyIndex: 16,
  Plan: { big: 1 },
};
const frames = [
  {
    Index: 12,
    Events: [{ Topic: 'Job', Type: 'JobRegistered', Key: 'devpod-a', Namespace: 'default', Index: 12, FilterKeys: null, Payload: { Job: job } }],
  },
  {
    Index: 15,
    Events: [{ Topic: 'Allocation', Type: 'AllocationUpdated', Key: alloc.ID, Index: 15, FilterKeys: ['devpod-a'], Payload: { Allocation: alloc } }],
  },
  { Index: 16, Events: [{ Topic: 'Evaluation', Type: 'EvaluationUpdated', Key: 'e1', Index: 16, Payload: { Evaluation: evaluation } }] },
  { Index: 17, Events: [{ Topic: 'Job', Type: 'JobDeregistered', Key: 'devpod-a', Index: 17, Payload: { Job: job } }] },
] as unknown as StreamFrame[];

describe('a frame slimmed at decode', () => {
  it('merges into the same facts and derives the same phase as the whole frame, frame after frame', () => {
    let whole = emptyView('devpod-a');
    let slim = emptyView('devpod-a');
    for (const f of frames) {
      for (const ev of f.Events) whole = applyEvent(whole, ev);
      for (const ev of slimFrame(f).Events) slim = applyEvent(slim, ev);
      expect(slim).toEqual(whole);
      const o = { now: 100, stableMs: 10, crashLoopRestarts: 3 };
      expect(derive(slim, o)).toEqual(derive(whole, o));
    }
    expect(derive(slim, { now: 100, stableMs: 10, crashLoopRestarts: 3 }).phase).toBe('notFound');
  });

  it('routes to the same job and raises the same purge suspicion', () => {
    for (const f of frames) {
      const s = slimFrame(f);
      expect(s.Index).toBe(f.Index);
      expect(s.Events.map(jobOf)).toEqual(f.Events.map(jobOf));
      expect(mayHidePurge(s, 0)).toBe(mayHidePurge(f, 0));
    }
    expect(mayHidePurge(slimFrame(frames[2]!), 0)).toBe(true);
  });

  it('drops what nothing reads: task config, resources, metrics, event details, plans', () => {
    const text = JSON.stringify(frames.map(slimFrame));
    for (const gone of ['Config', 'Resources', 'Metrics', 'Details', 'Plan', 'Datacenters', 'StartedAt']) expect(text).not.toContain(`"${gone}"`);
  });
});
