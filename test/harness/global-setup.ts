// One real Nomad dev agent for the whole test run. Tests read its address with inject('nomadAddr').
import type { TestProject } from 'vitest/node';
import { startNomadAgent, type NomadAgent } from './nomad-agent.js';

let agent: NomadAgent | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  agent = await startNomadAgent();
  project.provide('nomadAddr', agent.address);
  project.provide('nomadLogPath', agent.logPath);
  process.stderr.write(`[harness] nomad dev agent at ${agent.address} (log ${agent.logPath})\n`);
  return async () => {
    await agent?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    nomadAddr: string;
    nomadLogPath: string;
  }
}
