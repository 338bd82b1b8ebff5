// The exec tunnel and command start-up, next to Nomad's own CLI on the same allocation in the same run:
// 64 MiB through `cat`, the wall time of `true`, and a cold `status` next to `node -e 0`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Timed {
  label: string;
  ms: number[];
}

export function timeOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdinFile?: string): Promise<number> {
  return new Promise((done, fail) => {
    const stdin = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const start = performance.now();
    const child = spawn(cmd, args, { env, stdio: [stdin, 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (typeof stdin === 'number') closeSync(stdin);
      if (code !== 0) fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 400)}`));
      else done(ms);
    });
  });
}

/** Runs each contender `runs` times, interleaved so that machine noise hits both alike. */
export async function interleave(runs: number, contenders: { label: string; run: () => Promise<number> }[]): Promise<Timed[]> {
  const out = contenders.map((c) => ({ label: c.label, ms: [] as number[] }));
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of contenders.entries()) out[j]!.ms.push(await c.run());
  }
  return out;
}

export interface ExecBenchInput {
  providerBin: string;
  nomadBin: string;
  env: NodeJS.ProcessEnv;
  allocId: string;
  task: string;
  runs: number;
}

export async function benchExec(i: ExecBenchInput) {
  const payload = join(tmpdir(), `bench-64mib-${process.pid}`);
  writeFileSync(payload, randomBytes(64 * 1024 * 1024));
  const ours = (command: string, file?: string) => () => timeOnce(process.execPath, [i.providerBin, 'command'], { ...i.env, COMMAND: command }, file);
  const theirs = (argv: string[], file?: string) => () =>
    timeOnce(i.nomadBin, ['alloc', 'exec', '-i=true', '-t=false', '-task', i.task, i.allocId, ...argv], i.env, file);

  const cat = await interleave(Math.max(3, Math.ceil(i.runs / 4)), [
    { label: 'ours: command (cat, 64 MiB)', run: ours('cat', payload) },
    { label: 'nomad alloc exec (cat, 64 MiB)', run: theirs(['cat'], payload) },
  ]);
  const trivial = await interleave(i.runs, [
    { label: 'ours: command (true)', run: ours('true') },
    { label: 'nomad alloc exec (true)', run: theirs(['true']) },
  ]);
  const status = await interleave(i.runs, [
    { label: 'ours: status (cold process)', run: () => timeOnce(process.execPath, [i.providerBin, 'status'], i.env) },
    { label: 'node -e 0', run: () => timeOnce(process.execPath, ['-e', '0'], i.env) },
  ]);
  return { cat, trivial, status };
}

/** Runs `cat` on `mib` MiB of random bytes `runs` times through each contender; counts byte-exact results. */
export async function benchCompleteness(i: ExecBenchInput, mib: number): Promise<{ ours: number; theirs: number }> {
  const { spawnSync } = await import('node:child_process');
  let ours = 0;
  let theirs = 0;
  for (let n = 0; n < i.runs; n++) {
    const data = randomBytes(mib * 1024 * 1024);
    const opts = { input: data, maxBuffer: (mib + 1) << 20 };
    if (spawnSync(process.execPath, [i.providerBin, 'command'], { ...opts, env: { ...i.env, COMMAND: 'cat' } }).stdout.equals(data)) ours++;
    if (
      spawnSync(i.nomadBin, ['alloc', 'exec', '-i=true', '-t=false', '-task', i.task, i.allocId, 'cat'], { ...opts, env: i.env }).stdout.equals(data)
    )
      theirs++;
  }
  return { ours, theirs };
}
