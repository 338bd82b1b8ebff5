// What the inspector serves: for each watched workspace its current state, reason and the timeline of steps that
// Nomad's events drove, plus the machine's graph; and a Server-Sent-Events feed of every new step.
import type { NomadClient } from '../adapters/nomad/client.js';
import { machineGraph, type MachineGraph } from '../machines/diagram.js';
import { watchWorkspace, type WorkspaceActor } from '../machines/nomad-actors.js';
import type { Step } from '../machines/steps.js';
import { leafState } from '../machines/workspace.js';

export interface WorkspaceView {
  jobId: string;
  state: string;
  reason?: string;
  steps: Step[];
}

export type FeedMessage = { event: 'hello'; data: { graph: MachineGraph; workspaces: WorkspaceView[] } } | { event: 'step'; data: Step };

/** Follows workspaces on Nomad's event stream (so it sees workspaces other processes create and drive). */
export class InspectorFeed {
  private readonly actors = new Map<string, WorkspaceActor>();
  private readonly views = new Map<string, WorkspaceView>();
  private readonly subscribers = new Set<(m: FeedMessage) => void>();
  readonly graph = machineGraph();

  constructor(private readonly nomad: NomadClient) {}

  watch(jobId: string): void {
    if (this.actors.has(jobId)) return;
    const view: WorkspaceView = { jobId, state: 'hydrating', steps: [] };
    this.views.set(jobId, view);
    const actor = watchWorkspace(this.nomad, { jobId }, {
      onStep: (step) => {
        view.state = step.to;
        view.reason = step.reason;
        view.steps.push(step);
        if (view.steps.length > 500) view.steps.shift();
        for (const s of this.subscribers) s({ event: 'step', data: step });
      },
    });
    this.actors.set(jobId, actor);
    view.state = leafState(actor.getSnapshot().value);
  }

  hello(): FeedMessage {
    return { event: 'hello', data: { graph: this.graph, workspaces: [...this.views.values()] } };
  }

  subscribe(fn: (m: FeedMessage) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  stop(): void {
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
    this.subscribers.clear();
  }
}
