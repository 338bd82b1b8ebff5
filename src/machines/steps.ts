// Steps a workspace machine takes — (state, event, state) — read from xstate's inspection events. Pure: whoever
// starts an actor says where its steps go. The live inspector's timeline is one taker; every actor the provider starts
// also publishes its steps on a diagnostics channel (src/workspace/lifecycle/step-channel.ts), which the test suite's
// machine coverage reads.
import type { InspectionEvent } from 'xstate';
import { leafState, type WorkspaceStateValue } from './workspace.js';

export interface Step {
  jobId: string;
  from: WorkspaceStateValue;
  event: string;
  to: WorkspaceStateValue;
  /** Why the machine is in `to` (the observation's reason, or the error). */
  reason?: string;
  /** Raft index of the newest Nomad fact applied. */
  index: number;
  at: number;
}

interface Ctx {
  jobId: string;
  lastIndex: number;
  observation: { reason?: string };
  error?: string;
}

/** An `inspect` callback for createActor that reports each step of the root actor to `onStep`. */
export function inspectSteps(onStep: (step: Step) => void): (ev: InspectionEvent) => void {
  let last: WorkspaceStateValue | undefined;
  return (ev) => {
    if (ev.type !== '@xstate.snapshot' || (ev.actorRef as { sessionId?: string }).sessionId !== ev.rootId) return;
    const snap = ev.snapshot as unknown as { value: unknown; context?: Ctx };
    if (!snap.context || typeof snap.context.jobId !== 'string') return;
    const to = leafState(snap.value);
    const from = last ?? to;
    last = to;
    if (ev.event.type === 'xstate.init' || ev.event.type.startsWith('stream.live') || ev.event.type.startsWith('stream.down')) {
      if (from === to) return;
    }
    const step: Step = {
      jobId: snap.context.jobId,
      from,
      event: ev.event.type,
      to,
      reason: to === 'unreachable' ? snap.context.error : snap.context.observation.reason,
      index: snap.context.lastIndex,
      at: Date.now(),
    };
    onStep(step);
  };
}
