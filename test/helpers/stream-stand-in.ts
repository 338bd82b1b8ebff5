// A stand-in Nomad client for the shared event stream's unit tests (test/unit/shared-stream.test.ts): the test drives
// its event stream by hand and its reads answer from an in-memory table, each read held back while a gate is set.
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import type { FollowHandlers, FollowOptions } from '../../src/adapters/nomad/events.js';
import { NomadError } from '../../src/adapters/nomad/errors.js';
import type { Allocation, NomadJob, StreamFrame } from '../../src/adapters/nomad/types.js';

/** A Nomad client whose event stream the test drives and whose reads answer from `jobs` at `index`. */
export function standIn() {
  const jobs = new Map<string, { job?: NomadJob; allocs: Allocation[] }>();
  const reads: string[] = [];
  const gates = new Map<string, Promise<void>>();
  let index = 20;
  let follows = 0;
  let topics: string[] = [];
  let handlers: FollowHandlers | undefined;
  let refuse: ((e: Error) => void) | undefined;
  const answer = async <T>(id: string, data: T) => {
    await gates.get(id);
    return { data, meta: { lastIndex: index, knownLeader: true } };
  };
  const nomad = {
    events: {
      follow(opts: FollowOptions, h: FollowHandlers, signal: AbortSignal) {
        follows++;
        topics = opts.topics;
        handlers = h;
        return new Promise<void>((resolve, reject) => {
          refuse = reject;
          signal.addEventListener('abort', () => resolve());
        });
      },
    },
    jobs: {
      read: (id: string) => {
        reads.push(id);
        return answer(id, jobs.get(id)?.job);
      },
      allocations: (id: string) => answer(id, jobs.get(id)?.allocs ?? []),
      evaluations: (id: string) => answer(id, []),
    },
  } as unknown as NomadClient;
  return {
    nomad,
    jobs,
    reads,
    gates,
    setIndex: (i: number) => (index = i),
    follows: () => follows,
    topics: () => topics,
    subscribed: (resumed: boolean) => handlers!.onSubscribed!({ resumed, fromIndex: 0 }),
    push: (f: StreamFrame) => handlers!.onFrame(f),
    disconnect: () =>
      handlers!.onDisconnected!({ error: new NomadError('unreachable', 'Nomad closed the event stream'), attempt: 1, retryInMs: 100 }),
    refuse: (e: Error) => refuse!(e),
  };
}
