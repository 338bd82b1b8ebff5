// `plan`: the dry run. Renders the workspace job (secrets redacted), has Nomad validate it, and asks Nomad's plan
// endpoint whether and where it would be placed — placement failures in plain sentences. Nothing is registered.
import { planWorkspace } from '../workspace/plan.js';
import { checkVault } from '../workspace/vault.js';
import { planVolume } from '../workspace/volume.js';
import { commandContext } from './context.js';
import { UsageError } from './run.js';

export async function plan(opts: { output: string; set: string[]; machine?: string }): Promise<void> {
  if (opts.output !== 'text' && opts.output !== 'json') throw new UsageError(`--output ${JSON.stringify(opts.output)} is not valid: expected text or json`);
  const flags: Record<string, string> = {};
  for (const kv of opts.set) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${JSON.stringify(kv)} is not valid: expected KEY=VALUE, e.g. --set NOMAD_MEMORYMB=4GB`);
    flags[kv.slice(0, eq).trim().toUpperCase()] = kv.slice(eq + 1);
  }
  const env = { ...process.env, MACHINE_ID: opts.machine ?? (process.env.MACHINE_ID || 'plan-preview') };
  const ctx = commandContext(env, { flags });
  const job = await ctx.job();
  const volume = await planVolume(ctx.workspace, job);
  const vault = await checkVault(ctx.config, await ctx.cluster());
  const notes = [...(volume.note ? [volume.note] : []), ...vault.notes];
  const report = await planWorkspace(ctx.nomad, job, { planned: volume.planned, notes, problems: vault.problem ? [vault.problem] : [] });
  process.stdout.write(opts.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : report.text);
  if (!report.ok) process.exitCode = 1;
}
