// What the inspector serves: for each watched workspace its current state, reason and the timeline of steps that
// Nomad's events drove, plus the machine's graph; and a Server-Sent-Events feed of every new step.
import { createActor } from 'xstate';
import type { NomadClient } from '../adapters/nomad/client.js';
import { machineGraph, type MachineGraph } from '../machines/diagram.js';
import type { Step } from '../machines/steps.js';
import { leafState, workspaceMachine, type WorkspaceActor } from '../machines/workspace.js';
import { SharedEventStream } from '../workspace/lifecycle/shared-stream.js';
import { stepInspector } from '../workspace/lifecycle/step-channel.js';

/** A workspace as the inspector shows it: its machine's state now, why, and the steps that led there. */
export interface InspectedWorkspace {
  jobId: string;
  state: string;
  reason?: string;
  steps: Step[];
}

export type FeedMessage = { event: 'hello'; data: { graph: MachineGraph; workspaces: InspectedWorkspace[] } } | { event: 'step'; data: Step };

/**
 * Workspaces reading their first state at the same time. Each reads three things, so unbounded, 1,000 workspaces
 * open 3,000 connections and inflate 3,000 gzip answers together (≈ 70 MB more RSS, which the process keeps), and on
 * a busy machine push the last reads past the 30 s request timeout, which leaves those workspaces unreachable for
 * good (bench/inspector-scale.ts).
 */
const HYDRATING_AT_ONCE = 32;

/**
 * Steps each workspace's timeline keeps, newest last: what an inspector that runs for days holds grows with the number
 * of workspaces, not with their age. Most steps are a fact that changed no state; 100 cover several create–stop–start
 * rounds (a start is about 7 steps, a stop 5).
 */
const TIMELINE_STEPS = 100;

export interface FeedOptions {
  /** Follow every devpod-* job registered from now on too (the inspector of all workspaces). */
  discover?: boolean;
}

/**
 * Follows workspaces on one shared subscription to Nomad's event stream (so it sees what other processes do to
 * them, and with `discover` the workspaces they create).
 */
export class InspectorFeed {
  private readonly actors = new Map<string, WorkspaceActor>();
  private readonly views = new Map<string, InspectedWorkspace>();
  private readonly subscribers = new Set<(m: FeedMessage) => void>();
  /** Watched workspaces waiting for one of the HYDRATING_AT_ONCE slots. */
  private readonly queue: string[] = [];
  private hydrating = 0;
  readonly graph = machineGraph();
  /** One machine for every workspace: provide() copies the whole state tree (≈ 19 KB and 0.5 ms per workspace). */
  private readonly machine;

  private readonly stream: SharedEventStream;

  constructor(nomad: NomadClient, opts: FeedOptions = {}) {
    this.stream = new SharedEventStream(nomad, {
      bulkReadPrefix: 'devpod-',
      onNewJob: opts.discover
        ? (id) => {
            if (id.startsWith('devpod-')) this.watch(id);
          }
        : undefined,
    });
    this.machine = workspaceMachine.provide({ actors: this.stream.actors() });
  }

  /** Subscribes to the event stream; resolves once it is live, so that no workspace watched after it misses an event. */
  start(): Promise<void> {
    return this.stream.start();
  }

  watch(jobId: string): void {
    if (this.views.has(jobId)) return;
    this.stream.reserve(jobId);
    this.views.set(jobId, { jobId, state: 'hydrating', steps: [] });
    this.queue.push(jobId);
    this.startQueued();
  }

  private startQueued(): void {
    while (this.hydrating < HYDRATING_AT_ONCE && this.queue.length > 0) this.follow(this.queue.shift()!);
  }

  private follow(jobId: string): void {
    const view = this.views.get(jobId)!;
    let hydrating = true;
    this.hydrating++;
    const onStep = (step: Step) => {
      if (hydrating && step.from === 'hydrating' && step.to !== 'hydrating') {
        hydrating = false;
        this.hydrating--;
        queueMicrotask(() => this.startQueued());
      }
      view.state = step.to;
      view.reason = step.reason;
      view.steps.push(step);
      if (view.steps.length > TIMELINE_STEPS) view.steps.shift();
      for (const s of this.subscribers) s({ event: 'step', data: step });
    };
    const actor: WorkspaceActor = createActor(this.machine, { input: { jobId }, inspect: stepInspector(onStep) }).start();
    this.actors.set(jobId, actor);
    view.state = leafState(actor.getSnapshot().value);
  }

  /** Every watched workspace: state, reason and timeline. */
  workspaces(): InspectedWorkspace[] {
    return [...this.views.values()];
  }

  hello(): FeedMessage {
    return { event: 'hello', data: { graph: this.graph, workspaces: this.workspaces() } };
  }

  subscribe(fn: (m: FeedMessage) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  stop(): void {
    this.stream.stop();
    this.queue.length = 0;
    this.hydrating = 0;
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
    this.subscribers.clear();
  }
}
