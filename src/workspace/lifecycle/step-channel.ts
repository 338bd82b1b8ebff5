// Every step of every workspace actor the provider starts, published on a named node:diagnostics_channel: an
// observer that did not start the actor still sees its steps, and nobody holds a list of listeners. The test suite's
// machine coverage subscribes (test/harness/coverage.ts); with no subscriber, publishing costs one check. The machine
// side stays pure: machines/steps.ts only turns xstate's inspection events into steps, this is where they go out.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { InspectionEvent } from 'xstate';
import { inspectSteps, type Step } from '../../machines/steps.js';

export const STEP_CHANNEL = 'devpod-provider-nomad:workspace-step';

const channel = diagnosticsChannel.channel(STEP_CHANNEL);

/** An `inspect` callback for createActor: each step of the root actor goes to `onStep`, and to the channel. */
export function stepInspector(onStep?: (step: Step) => void): (ev: InspectionEvent) => void {
  return inspectSteps((step) => {
    onStep?.(step);
    if (channel.hasSubscribers) channel.publish(step);
  });
}

/** Calls `listener` with each step published from now on, by any workspace actor in this process; returns the unsubscribe. */
export function subscribeSteps(listener: (step: Step) => void): () => void {
  const onMessage = (message: unknown) => listener(message as Step);
  diagnosticsChannel.subscribe(STEP_CHANNEL, onMessage);
  return () => diagnosticsChannel.unsubscribe(STEP_CHANNEL, onMessage);
}
