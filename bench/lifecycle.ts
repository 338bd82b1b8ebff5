// Readiness detection: our event-driven waitUntil next to the Go providers' 2-second polling loop, on the same
// jobs, at the same time, against the same agent.
import type { NomadClient } from '../src/adapters/nomad/client.js';
import type { Allocation } from '../src/adapters/nomad/types.js';
import { watchWorkspace } from '../src/workspace/lifecycle/nomad-actors.js';
import { waitUntil } from '../src/machines/wait.js';
import { testJob } from '../test/helpers/jobs.js';

const epochMs = () => performance.timeOrigin + performance.now();

/** The Go providers' loop: a ticker every 2 s reading the job's allocations until one runs its task. */
async function pollUntilRunning(nomad: NomadClient, id: string, deadline: number): Promise<number> {
  for (;;) {
    const { data } = await nomad.jobs.allocations(id);
    if (data.some((a: Allocation) => a.ClientStatus === 'running' && Object.values(a.TaskStates ?? {}).every((t) => t.State === 'running')))
      return epochMs();
    if (epochMs() > deadline) throw new Error(`poller: ${id} not running in time`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

export interface LifecycleSample {
  /** Task's own Started event → detection, ms. */
  ours: number;
  polling: number;
  /** Task Started → the running Allocation event reaching us: Nomad's client-to-server-to-stream delay. */
  nomadDelay: number;
  /** Allocation event arrival → waitUntil resolved: our own overhead. */
  overhead: number;
}

export async function benchLifecycle(nomad: NomadClient, runs: number, log: (m: string) => void): Promise<LifecycleSample[]> {
  // Record when each frame reaches us, before the machine sees it.
  const arrivals = new Map<number, number>();
  const follow = nomad.events.follow.bind(nomad.events);
  nomad.events.follow = (opts, handlers, signal) =>
    follow(
      opts,
      {
        ...handlers,
        onFrame: (f) => {
          arrivals.set(f.Index, epochMs());
          handlers.onFrame(f);
        },
      },
      signal,
    );

  const samples: LifecycleSample[] = [];
  for (let i = 0; i < runs; i++) {
    const id = `bench-life-${process.pid}-${i}`;
    const actor = watchWorkspace(nomad, { jobId: id });
    try {
      await waitUntil(actor, 'notFound', 10_000);
      await new Promise<void>((r) => {
        const ok = () => actor.getSnapshot().context.stream.state === 'live' && r();
        actor.subscribe(ok);
        ok();
      });
      const deadline = epochMs() + 60_000;
      await nomad.jobs.register(testJob(id));
      const [oursAt, pollAt] = await Promise.all([
        waitUntil(actor, 'running', 60_000, { failOn: ['failed', 'unreachable'] }).then(() => epochMs()),
        pollUntilRunning(nomad, id, deadline),
      ]);
      const ctx = actor.getSnapshot().context;
      const arrival = arrivals.get(ctx.lastIndex) ?? oursAt;
      const alloc = ctx.view.allocs[ctx.observation.allocId ?? ''];
      const started = Object.values(alloc?.TaskStates ?? {})
        .flatMap((t) => t.Events ?? [])
        .filter((e) => e.Type === 'Started')
        .map((e) => e.Time / 1e6)
        .pop();
      if (started === undefined) throw new Error(`no Started event for ${id}`);
      samples.push({ ours: oursAt - started, polling: pollAt - started, nomadDelay: arrival - started, overhead: oursAt - arrival });
      log(`  ${id}: ours ${(oursAt - started).toFixed(1)} ms, polling ${(pollAt - started).toFixed(1)} ms`);
    } finally {
      actor.stop();
      await nomad.jobs.purge(id).catch(() => undefined);
    }
  }
  nomad.events.follow = follow;
  return samples;
}
