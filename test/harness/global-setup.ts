// One real Nomad dev agent for the whole test run. Tests read its address with inject('nomadAddr').
import type { TestProject } from 'vitest/node';
import { resetCoverage, writeCoverageReport } from './machine-coverage.js';
import { startNomadAgent, type NomadAgent } from './nomad-agent.js';

let agent: NomadAgent | undefined;

/**
 * Jobs with a vault block only validate when the servers have Vault enabled. No Vault server runs here: the
 * integration only needs to be declared for validation and planning (nothing in the tests fetches secrets).
 */
const VAULT_FOR_VALIDATION = `vault {
  enabled = true
  address = "http://127.0.0.1:8200"
  default_identity {
    aud = ["vault.io"]
    ttl = "1h"
  }
}`;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  resetCoverage();
  agent = await startNomadAgent({ extraConfig: VAULT_FOR_VALIDATION });
  project.provide('nomadAddr', agent.address);
  project.provide('nomadLogPath', agent.logPath);
  process.stderr.write(`[harness] nomad dev agent at ${agent.address} (log ${agent.logPath})\n`);
  return async () => {
    await agent?.stop();
    // A run of only some files (vitest run <file>) cannot cover the machine; the full suite must.
    const unreached = writeCoverageReport();
    if (unreached.length && !process.argv.some((a) => a.endsWith('.test.ts'))) {
      throw new Error(`the test suite never reached these states of the workspace machine: ${unreached.join(', ')} (see test-artifacts/machine-coverage.md)`);
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    nomadAddr: string;
    nomadLogPath: string;
  }
}
