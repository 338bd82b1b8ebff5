// The demo's steps, against any Nomad address: one workspace through the provider CLI exactly as DevPod drives it
// (options and DevPod's variables in the environment), with the raw_exec driver so no container engine is needed.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'devpod-provider-nomad.js');

export async function runDemo(address: string): Promise<void> {
  const env = { ...process.env, NOMAD_ADDR: address, NOMAD_DRIVER: 'raw_exec', NOMAD_MEMORYMB: '256', MACHINE_ID: `demo-${process.pid}` };
  const step = (title: string, args: string[], extra: Record<string, string> = {}, input?: string) => {
    process.stdout.write(
      `\n$ ${Object.entries(extra)
        .map(([k, v]) => `${k}=${JSON.stringify(v)} `)
        .join('')}devpod-provider-nomad ${args.join(' ')}   # ${title}\n`,
    );
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, input, stdio: ['pipe', 'inherit', 'inherit'] });
    process.stdout.write(`(exit ${r.status})\n`);
    return r.status;
  };
  step('validate options, reach Nomad', ['init']);
  step('nothing there yet', ['status']);
  if (step('register the job, follow it on the event stream until it runs', ['create']) !== 0) throw new Error('create failed');
  step('one word for DevPod', ['status']);
  step('run a command inside, exit code passed through', ['command'], { COMMAND: 'echo "hello from $(hostname), pid $$"; exit 3' });
  step('stdin passed through, EOF included', ['command'], { COMMAND: 'wc -c' }, 'twelve bytes');
  step('stop, keeping the definition', ['stop']);
  step('stopped, not gone', ['status']);
  step('start it again', ['start']);
  step('full state for humans', ['status', '--output', 'json']);
  step('stop and purge', ['delete']);
  step('gone', ['status']);
}
