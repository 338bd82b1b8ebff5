// `plan`: the dry run. Renders the workspace job (secrets redacted), has Nomad validate it, and asks Nomad's plan
// endpoint whether and where it would be placed — placement failures in plain sentences. Nothing is registered.
import { optionSources, type OptionSource } from '../adapters/config/index.js';
import { planWorkspace } from '../workspace/plan.js';
import { checkVault } from '../workspace/vault.js';
import { planVolume } from '../workspace/volume.js';
import { commandContext } from './context.js';
import { UsageError } from './usage-error.js';

export async function plan(opts: { output: string; set: string[]; machine?: string }): Promise<number> {
  if (opts.output !== 'text' && opts.output !== 'json')
    throw new UsageError(`--output ${JSON.stringify(opts.output)} is not valid: expected text or json`);
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
  const planned = await planWorkspace(ctx.nomad, job, { planned: volume.planned, notes, problems: vault.problem ? [vault.problem] : [] });
  const options = optionSources(ctx.config.sources);
  const report = { ...planned, options, text: `${planned.text}${describeSources(options, ctx.config.sources.file)}` };
  process.stdout.write(opts.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : report.text);
  return report.ok ? 0 : 1;
}

/** Where each option came from: the set ones one per line, then the names left at their defaults. */
function describeSources(options: OptionSource[], file: string | undefined): string {
  const from = { flag: 'flag (--set)', environment: 'environment (provider options)', file: `file ${file}`, default: 'default' };
  const set = options.filter((o) => o.origin !== 'default');
  const defaults = options.filter((o) => o.origin === 'default').map((o) => o.name);
  const width = Math.max(0, ...set.map((o) => `${o.name}=${o.value}`.length));
  return [
    'options (where each value came from):',
    ...set.map((o) => `  ${`${o.name}=${o.value}`.padEnd(width)}  ${from[o.origin]}`),
    ...(defaults.length ? [`  default: ${defaults.join(', ')}`] : []),
    '',
  ].join('\n');
}
