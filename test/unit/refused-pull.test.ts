// An image pull the registry refused ends the wait at once as a failure with the registry's answer; a pull that
// failed for a reason that can pass (the registry down) stays Busy while Nomad retries it. The messages are Nomad's
// docker driver's Driver Failure events: the wrong password's as seen here against a real registry
// (test/integration/registry.test.ts), the others as Docker words them (missing credentials and an untrusted
// certificate only come out so for a registry Docker does not count as insecure, and it counts all of loopback so).
import { describe, expect, it } from 'vitest';
import type { TaskState } from '../../src/adapters/nomad/types.js';
import { applySnapshot, emptyView } from '../../src/machines/facts.js';
import { derive } from '../../src/machines/phase.js';
import { JOB, NOW, REFUSED_PULL_MESSAGE, alloc, job } from '../helpers/facts.js';

const ev = (Type: string, agoMs: number, DisplayMessage: string) => ({ Type, Time: (NOW - agoMs) * 1e6, DisplayMessage });
const afterFailedPull = (message: string, then: TaskState['Events'] = []): TaskState => ({
  State: 'pending',
  Failed: false,
  Restarts: 1,
  Events: [
    ev('Received', 9000, 'Task received by client'),
    ev('Driver Failure', 5000, message),
    ev('Restarting', 4000, 'Task restarting in 5.4s'),
    ...(then ?? []),
  ],
});
const observe = (ts: TaskState) =>
  derive(
    applySnapshot(emptyView(JOB), {
      job: job(),
      allocs: [{ ...alloc('pending', 'run', 'none'), TaskStates: { workspace: ts } }],
      evals: [],
      index: 30,
    }),
    { now: NOW, stableMs: 10_000, crashLoopRestarts: 3 },
  );

describe('a failed image pull', () => {
  const refused: [string, string][] = [
    ['a wrong password', REFUSED_PULL_MESSAGE],
    [
      'no credentials',
      'Failed to pull `127.0.0.1:36723/private/busybox:1`: Error response from daemon: Head "https://127.0.0.1:36723/v2/private/busybox/manifests/1": no basic auth credentials',
    ],
    [
      'no access to the repository',
      "Failed to pull `registry.example/team/dev:1`: Error response from daemon: pull access denied for registry.example/team/dev, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    ],
    [
      'an untrusted certificate',
      'Failed to pull `registry.example:5000/dev:1`: Error response from daemon: Get "https://registry.example:5000/v2/": x509: certificate signed by unknown authority',
    ],
  ];
  it.each(refused)("refused for %s fails at once with the registry's answer", (_why, message) => {
    expect(observe(afterFailedPull(message))).toMatchObject({
      phase: 'failed',
      restarts: 1,
      reason: `task "workspace": ${message} (the registry refused the pull; retrying cannot change that)`,
    });
  });

  it('that can pass (registry unreachable) is retried by Nomad, and the workspace is Busy with the reason', () => {
    const message =
      'Failed to pull `127.0.0.1:9/devpod-test/missing:1`: Error response from daemon: Get "https://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused';
    expect(observe(afterFailedPull(message))).toMatchObject({ phase: 'restarting', reason: `task "workspace": ${message}; restarted 1 time` });
  });

  it('refused once and then pulled (the credentials fixed meanwhile) counts only the start that came after', () => {
    const ts = { ...afterFailedPull(REFUSED_PULL_MESSAGE, [ev('Started', 1000, 'Task started by client')]), State: 'running' as const };
    expect(observe(ts).phase).not.toBe('failed');
  });
});
