// Small jobs for integration tests: raw_exec tasks that run anywhere the dev agent runs.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { NomadClient } from '../../src/adapters/nomad/client.js';
import { resolveConnection } from '../../src/adapters/nomad/connection.js';
import type { NomadJob } from '../../src/adapters/nomad/types.js';

export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A client for any test agent (or proxy in front of one). */
export const clientFor = (address: string, token?: string): NomadClient => new NomadClient(resolveConnection({}, { address, token }));

/** A client for the shared dev agent of the test run. */
export const sharedClient = (): NomadClient => clientFor(inject('nomadAddr'));

export interface TestJobOptions {
  command?: string;
  args?: string[];
  driver?: string;
  memoryMB?: number;
  /** Restart policy: attempts within interval, delay between (ms). */
  restart?: { attempts: number; delayMs: number; mode?: 'fail' | 'delay' };
}

export function testJob(id: string, o: TestJobOptions = {}): NomadJob {
  return {
    ID: id,
    Name: id,
    Type: 'service',
    Datacenters: ['*'],
    TaskGroups: [
      {
        Name: 'workspace',
        Count: 1,
        // Tests want failures reported, not rescheduled elsewhere.
        ReschedulePolicy: { Attempts: 0, Unlimited: false },
        RestartPolicy: o.restart
          ? { Attempts: o.restart.attempts, Interval: 600e9, Delay: o.restart.delayMs * 1e6, Mode: o.restart.mode ?? 'fail' }
          : undefined,
        Tasks: [
          {
            Name: 'workspace',
            Driver: o.driver ?? 'raw_exec',
            Config: { command: o.command ?? '/bin/sleep', args: o.args ?? ['3600'] },
            Resources: { CPU: 50, MemoryMB: o.memoryMB ?? 32 },
            KillTimeout: 1e9,
          },
        ],
      },
    ],
  };
}
