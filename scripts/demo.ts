// `npm run demo`: the main job on an embedded default. Starts a local Nomad dev agent of its own (loopback, free
// ports, temporary data dir), drives one workspace through the provider's lifecycle, and stops the agent.
import { startNomadAgent } from '../test/harness/nomad-agent.js';
import { runDemo } from './demo-steps.js';

const agent = await startNomadAgent();
process.stderr.write(`demo: Nomad dev agent at ${agent.address}\n`);
let failed = false;
try {
  await runDemo(agent.address);
} catch (err) {
  failed = true;
  process.stderr.write(`demo: failed: ${(err as Error).message}\nagent log tail:\n${agent.logTail(30)}\n`);
} finally {
  await agent.stop();
}
process.exit(failed ? 1 : 0);
