// One real Nomad dev agent for the whole test run (tests read its address with inject('nomadAddr')), and one real
// Docker engine for the tests that start agents with the docker driver (inject('dockerEndpoint')).
import type { TestProject } from 'vitest/node';
import { startDockerEngine, type DockerEngine } from './docker-engine.js';
import { resetCoverage, writeCoverageReport } from './machine-coverage.js';
import { harnessNomadVersion, startNomadAgent, type NomadAgent } from './nomad-agent.js';
import { notRun, resetNotRun } from './nomad-versions.js';
import { nomadVaultConfig } from './vault-server.js';

let agent: NomadAgent | undefined;
let engine: DockerEngine | undefined;

/**
 * Jobs with a vault block only validate when the servers have Vault enabled. No Vault server runs here: the
 * integration only needs to be declared for validation and planning (nothing in the tests fetches secrets). Nomad
 * before 1.7 refuses an enabled vault block without a token; the token is never used, as no Vault answers.
 */
const VAULT_FOR_VALIDATION = nomadVaultConfig('http://127.0.0.1:8200');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  resetCoverage();
  resetNotRun();
  const started = await Promise.allSettled([startNomadAgent({ extraConfig: VAULT_FOR_VALIDATION }), startDockerEngine()]);
  if (started[0].status === 'fulfilled') agent = started[0].value;
  if (started[1].status === 'fulfilled') engine = started[1].value;
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all([agent?.stop(), engine?.stop()]);
    throw failed.reason;
  }
  project.provide('nomadAddr', agent!.address);
  project.provide('nomadLogPath', agent!.logPath);
  project.provide('dockerEndpoint', engine!.endpoint);
  process.stderr.write(
    `[harness] Nomad v${harnessNomadVersion().join('.')}: dev agent at ${agent!.address} (log ${agent!.logPath}); docker engine at ${engine!.endpoint}\n`,
  );
  return async () => {
    await Promise.all([agent?.stop(), engine?.stop()]);
    // Never a silent skip: every test not run on this Nomad, by name and reason (.ci/run's log shows this).
    const skipped = notRun();
    const groups = skipped.filter((s) => s.kind === 'group').length;
    const counts = groups ? ` (${skipped.length - groups} tests, ${groups} groups of tests; vitest counts each test of a group as skipped)` : '';
    process.stderr.write(`[harness] ${skipped.length} not run on Nomad v${harnessNomadVersion().join('.')}${counts}${skipped.length ? ':' : ''}\n`);
    for (const s of skipped) process.stderr.write(`[harness]   not run${s.kind === 'group' ? ' (group)' : ''}: ${s.name} (${s.why})\n`);
    // A run of only some files (vitest run <file>) cannot cover the machine; the full suite must.
    const unreached = writeCoverageReport();
    if (unreached.length && !process.argv.some((a) => a.endsWith('.test.ts'))) {
      throw new Error(
        `the test suite never reached these states of the workspace machine: ${unreached.join(', ')} (see test-artifacts/machine-coverage.md)`,
      );
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    nomadAddr: string;
    nomadLogPath: string;
    dockerEndpoint: string;
  }
}
