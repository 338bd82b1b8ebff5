// The inspector's feed on the real dev agent: every workspace followed through one event-stream subscription, the
// workspaces created after it started found on the stream, and a dropped connection caught up on. The agent is
// reached through a TCP proxy the test can cut; workspaces are created and stopped by the provider binary, as DevPod
// would in another process.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { resolveWorkspaces } from '../../src/cli/inspect.js';
import { InspectorFeed } from '../../src/inspector/feed.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { clientFor, sharedClient, uniqueId } from '../helpers/jobs.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const nomad = sharedClient();
const machines: string[] = [];

afterAll(async () => {
  await Promise.all(machines.map((m) => nomad.jobs.purge(jobIdFor(m)).catch(() => undefined)));
});

async function created(prefix: string): Promise<string> {
  const machine = uniqueId(prefix);
  machines.push(machine);
  const r = await cli(['create'], devpodEnv(machine));
  expect(r.code, r.stderr).toBe(0);
  return jobIdFor(machine);
}

describe('inspector feed on a real agent', () => {
  it('follows every workspace through one subscription, finds new ones on the stream, and catches up after a drop', async () => {
    const proxy = await startTcpProxy(inject('nomadAddr'));
    const viaProxy = clientFor(proxy.address);
    const streams: string[] = [];
    const stream = viaProxy.http.stream.bind(viaProxy.http);
    viaProxy.http.stream = (path, opts) => {
      if (path.startsWith('/v1/event/stream')) streams.push(path);
      return stream(path, opts);
    };
    const feed = new InspectorFeed(viaProxy, { discover: true });
    try {
      const before = await Promise.all([created('feed-a'), created('feed-b')]);
      await feed.start();
      for (const id of await resolveWorkspaces(viaProxy, [])) feed.watch(id);
      const stateOf = (id: string) => feed.workspaces().find((w) => w.jobId === id)?.state;
      for (const id of before) await expect.poll(() => stateOf(id), { timeout: 20_000 }).toBe('running');

      // Created after the feed listed the jobs: found by its registration on the stream.
      const after = await created('feed-c');
      await expect.poll(() => stateOf(after), { timeout: 20_000 }).toBe('running');
      const steps = feed
        .workspaces()
        .find((w) => w.jobId === after)!
        .steps.map((s) => s.to);
      expect(steps[0]).not.toBe('notFound');
      expect(steps).toContain('running');
      // Every workspace of the agent (other test files' too), one subscription, to the namespace's job topics.
      expect(feed.workspaces().length).toBeGreaterThanOrEqual(3);
      expect(streams).toHaveLength(1);
      expect(streams[0]).toMatch(/topic=Job&topic=Allocation&topic=Evaluation/);

      // Cut off while a workspace stops: after the reconnect the feed has caught up (stream and re-read state).
      proxy.drop({ refuse: true });
      const stopped = await cli(['stop'], devpodEnv(machines[0]!));
      expect(stopped.code, stopped.stderr).toBe(0);
      proxy.resume();
      await expect.poll(() => stateOf(before[0]!), { timeout: 30_000 }).toBe('stopped');
      expect(stateOf(before[1]!)).toBe('running');
      expect(streams.length).toBeGreaterThanOrEqual(2);
    } finally {
      feed.stop();
      await proxy.close();
    }
  });
});
