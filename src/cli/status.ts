// `status`: exactly one word on stdout (Running, Busy, Stopped, NotFound) for DevPod; the reason on stderr.
import { observe } from '../workspace/observe.js';
import { commandContext, log } from './context.js';
import { UsageError } from './usage-error.js';

export async function status(opts: { output: string }): Promise<void> {
  if (opts.output !== 'plain' && opts.output !== 'json')
    throw new UsageError(`--output ${JSON.stringify(opts.output)} is not valid: expected plain or json`);
  const report = await observe(commandContext().workspace);
  if (opts.output === 'json') {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  if (report.state !== 'running' && report.reason) log(`${report.jobId}: ${report.state}: ${report.reason}`);
  process.stdout.write(`${report.status}\n`);
}
