// The workspace machine's effects, bound to a real Nomad client: one consistent read, and the event stream.
import { createActor, fromCallback, fromPromise } from 'xstate';
import type { NomadClient } from '../../adapters/nomad/client.js';
import type { Step } from '../../machines/steps.js';
import { mayHidePurge, slimFrame, type Snapshot } from '../../machines/facts.js';
import { workspaceMachine, type FollowInput, type WorkspaceActor, type WorkspaceEvent, type WorkspaceInput } from '../../machines/workspace.js';
import { stepInspector } from './step-channel.js';

/** Topics that carry every fact about one job (Key or FilterKeys = job id). */
export const jobTopics = (jobId: string) => [`Job:${jobId}`, `Allocation:${jobId}`, `Evaluation:${jobId}`];

/**
 * Reads job, allocations and evaluations. The snapshot's index is the lowest of the three X-Nomad-Index values,
 * so every change after any of the reads has a higher index and arrives on the stream.
 */
export async function readSnapshot(nomad: NomadClient, jobId: string, signal?: AbortSignal): Promise<Snapshot> {
  const [job, allocs, evals] = await Promise.all([
    nomad.jobs.read(jobId, signal),
    nomad.jobs.allocations(jobId, signal),
    nomad.jobs.evaluations(jobId, signal),
  ]);
  const indexes = [job.meta.lastIndex, allocs.meta.lastIndex, evals.meta.lastIndex].filter((i) => i > 0);
  return {
    job: job.data ?? null,
    allocs: allocs.data ?? [],
    evals: evals.data ?? [],
    index: indexes.length ? Math.min(...indexes) : 0,
  };
}

export interface ActorOptions {
  /** false: read once and do not follow the stream (a one-shot `status`). */
  follow?: boolean;
  backoff?: { initialMs: number; maxMs: number };
  idleTimeoutMs?: number;
  /** Each step the machine takes (state, event, state), e.g. for the inspector's timeline. */
  onStep?: (step: Step) => void;
}

export function nomadActors(nomad: NomadClient, opts: ActorOptions = {}) {
  return {
    loadSnapshot: fromPromise<Snapshot, { jobId: string }>(({ input, signal }) => readSnapshot(nomad, input.jobId, signal)),
    followEvents: fromCallback<WorkspaceEvent, FollowInput>(({ input, sendBack }) => {
      if (opts.follow === false) return () => undefined;
      const ctl = new AbortController();
      let jobSeenAt = 0;
      nomad.events
        .follow(
          { topics: jobTopics(input.jobId), index: input.fromIndex, shape: slimFrame, backoff: opts.backoff, idleTimeoutMs: opts.idleTimeoutMs },
          {
            onFrame: (frame) => {
              sendBack({ type: 'nomad.frame', frame });
              const hides = mayHidePurge(frame, jobSeenAt);
              if (frame.Events.some((e) => e.Topic === 'Job')) jobSeenAt = frame.Index;
              if (hides) {
                void readSnapshot(nomad, input.jobId, ctl.signal)
                  .then((snapshot) => sendBack({ type: 'nomad.snapshot', snapshot }))
                  // The stream goes on; a failed read only leaves the purge to the next one.
                  .catch(() => undefined);
              }
            },
            onSubscribed: async ({ resumed }) => {
              sendBack({ type: 'stream.live' });
              // After a reconnect the stream may have skipped past events Nomad no longer buffers: re-read state
              // (merging is idempotent, so overlap with the stream is harmless).
              if (resumed) sendBack({ type: 'nomad.snapshot', snapshot: await readSnapshot(nomad, input.jobId, ctl.signal) });
            },
            onDisconnected: ({ error }) => sendBack({ type: 'stream.down', error: error.message }),
          },
          ctl.signal,
        )
        .catch((err: Error) => {
          if (!ctl.signal.aborted) sendBack({ type: 'stream.failed', error: err.message });
        });
      return () => ctl.abort();
    }),
  };
}

/** A started workspace actor following one job on a real Nomad. Stop it when done. */
export function watchWorkspace(nomad: NomadClient, input: WorkspaceInput, opts: ActorOptions = {}): WorkspaceActor {
  return createActor(workspaceMachine.provide({ actors: nomadActors(nomad, opts) }), { input, inspect: stepInspector(opts.onStep) }).start();
}
