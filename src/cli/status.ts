// `status`: exactly one word on stdout (Running, Busy, Stopped, NotFound) for DevPod; the reason on stderr.
// `--output json` (ours, for people and scripts): the report, with the published ports' addresses and URLs.
import { observe } from '../workspace/observe.js';
import { publishedPortsOf } from '../workspace/ports.js';
import { commandContext, log } from './context.js';
import { UsageError } from './usage-error.js';

export async function status(opts: { output: string }): Promise<void> {
  if (opts.output !== 'plain' && opts.output !== 'json')
    throw new UsageError(`--output ${JSON.stringify(opts.output)} is not valid: expected plain or json`);
  const { workspace } = commandContext();
  const report = await observe(workspace);
  if (opts.output === 'json') {
    // The published ports (NOMAD_PORTS) of the running allocation: [] when it is not running or publishes none.
    const ports = await publishedPortsOf(workspace, report);
    process.stdout.write(`${JSON.stringify({ ...report, ports }, null, 2)}\n`);
    return;
  }
  if (report.state !== 'running' && report.reason) log(`${report.jobId}: ${report.state}: ${report.reason}`);
  process.stdout.write(`${report.status}\n`);
}
