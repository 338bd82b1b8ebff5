// A wait that spans a restart of the Nomad agent itself. Runs its own non-dev agent (state on disk) so the job
// survives the restart; the shared dev agent keeps state only in memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchWorkspace } from '../../src/workspace/lifecycle/nomad-actors.js';
import { WaitError, waitUntil } from '../../src/machines/wait.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { clientFor, testJob, uniqueId } from '../helpers/jobs.js';

let agent: NomadAgent;

beforeAll(async () => {
  agent = await startNomadAgent({ dev: false });
});
afterAll(async () => {
  await agent?.stop();
});

describe('event stream across an agent restart', () => {
  it('completes a wait for stopped that spans a restart of the agent', async () => {
    const nomad = clientFor(agent.address);
    const id = uniqueId('agent-restart');
    await nomad.jobs.register(testJob(id));
    const actor = watchWorkspace(nomad, { jobId: id }, { backoff: { initialMs: 100, maxMs: 500 } });
    try {
      await waitUntil(actor, 'running', 30_000);
      const stopped = waitUntil(actor, 'stopped', 60_000, { failOn: ['failed', 'notFound', 'unreachable'] });

      await agent.stop({ keepData: true });
      agent = await startNomadAgent({ dev: false, reuse: agent });
      await nomad.jobs.stop(id);

      expect((await stopped).state).toBe('stopped');
      const ctx = actor.getSnapshot().context;
      expect(ctx.stream.reconnects).toBeGreaterThanOrEqual(1);
      expect(ctx.stream.state).toBe('live');
    } finally {
      actor.stop();
    }
  });

  it('reports the outage clearly when the agent does not come back', async () => {
    const nomad = clientFor(agent.address);
    const id = uniqueId('agent-gone');
    await nomad.jobs.register(testJob(id));
    const actor = watchWorkspace(nomad, { jobId: id }, { backoff: { initialMs: 100, maxMs: 300 } });
    try {
      await waitUntil(actor, 'running', 30_000);
      const stopped = waitUntil(actor, 'stopped', 2_000).catch((e: unknown) => e);
      await agent.stop({ keepData: true });
      const err = (await stopped) as WaitError;
      expect(err).toBeInstanceOf(WaitError);
      expect(err.timedOut).toBe(true);
      expect(err.message).toMatch(
        /last state: running; Nomad event stream down since \S+ \(Cannot reach Nomad at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
    } finally {
      actor.stop();
      agent = await startNomadAgent({ dev: false, reuse: agent });
    }
  });
});
