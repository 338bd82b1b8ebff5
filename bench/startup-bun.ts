// Issue 32's goals, side by side in one run: the linux-amd64 executable compiled by Bun (RELEASE_RUNTIME=bun), the
// Node SEA (RELEASE_RUNTIME=node, shipped until 2026-12-08; Bun's since), the Go floor (bench/go-floor: the stand-in for
// briancain's Go provider, whose module the Go proxy does not serve) and Nomad's CLI, on one running raw_exec
// workspace: a cold `status`, `--version` next to a Bun executable that does nothing, `command true`, and 64 MiB
// through `command cat` (throughput must not regress). Every run is a fresh process; contenders take turns.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jobIdFor } from '../src/adapters/jobspec/workspace-job.js';
import type { StartupInput } from './startup.js';
import { interleave, timeOnce, type Timed } from './exec.js';
import { goFloor } from './floors.js';
import { fmt, median, pct } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = 'linux-amd64';
const EXECUTABLE = `devpod-provider-nomad-${TARGET}`;

interface BunBuild {
  BUN_VERSION: string;
  bunCompile(main: string, out: string, target: string): Promise<string>;
}

export async function benchStartupBun(i: StartupInput): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'bench-startup-bun-'));
  const bun = (await import(pathToFileURL(join(ROOT, 'scripts', 'sea', 'bun.mjs')).href)) as BunBuild;
  const machine = `bench-bun-${process.pid}`;
  const jobId = jobIdFor(machine);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NOMAD_ADDR: i.nomadAddr,
    NOMAD_DRIVER: 'raw_exec',
    NOMAD_MEMORYMB: '256',
    MACHINE_ID: machine,
  };
  const payload = join(work, 'payload');
  try {
    const release = (runtime: string) => {
      const dir = join(work, `release-${runtime}`);
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'release.mjs')], {
        cwd: ROOT,
        env: { ...process.env, RELEASE_TARGETS: TARGET, RELEASE_RUNTIME: runtime, RELEASE_DIR: dir },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      return join(dir, EXECUTABLE);
    };
    i.log('bench: startup (Bun): releasing linux-amd64 with Bun (shipped) and as a Node SEA');
    const exe = release('bun');
    const sea = release('node');
    const floor = await goFloor(work);
    // A Bun executable that does nothing, compiled exactly as the shipped one (flags, baseline runtime).
    writeFileSync(join(work, 'nothing.cjs'), '');
    const nothing = await bun.bunCompile(join(work, 'nothing.cjs'), join(work, 'bun-nothing'), TARGET);
    execFileSync(exe, ['create'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const alloc = (await i.nomad.jobs.allocations(jobId)).data.find((a) => a.ClientStatus === 'running')!.ID;
    const out = (cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
      execFileSync(cmd, args, { env: { ...env, ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const floorEnv = { ...env, FLOOR_JOB: jobId };
    for (const [name, cmd, e] of [
      ['Bun executable', exe, env],
      ['Node SEA', sea, env],
      ['Go floor', floor, floorEnv],
    ] as const) {
      if (out(cmd, ['status'], e) !== 'Running\n') throw new Error(`bench: the ${name}'s status is not Running`);
      if (out(cmd, ['command'], { ...e, COMMAND: 'echo ran' }) !== 'ran\n') throw new Error(`bench: the ${name}'s command did not run`);
    }

    i.log(`bench: startup (Bun): ${i.runs} runs of each, interleaved`);
    const cmdEnv = { ...env, COMMAND: 'true' };
    const status = await interleave(i.runs, [
      { label: `**Bun-compiled executable** (${TARGET}, Bun ${bun.BUN_VERSION}): \`status\``, run: () => timeOnce(exe, ['status'], env) },
      { label: 'the Node 22 SEA (`RELEASE_RUNTIME=node`): `status`', run: () => timeOnce(sea, ['status'], env) },
      { label: '**Go floor** (bench/go-floor, for briancain): the same 3 reads, the same word', run: () => timeOnce(floor, ['status'], floorEnv) },
      { label: '`nomad job status -short <job>` (reference)', run: () => timeOnce(i.nomadBin, ['job', 'status', '-short', jobId], env) },
    ]);
    const version = await interleave(i.runs, [
      { label: '**Bun-compiled executable**: `--version`', run: () => timeOnce(exe, ['--version'], env) },
      { label: `**a Bun ${bun.BUN_VERSION} executable that does nothing** (same flags and runtime)`, run: () => timeOnce(nothing, [], env) },
      { label: 'Node SEA: `--version`', run: () => timeOnce(sea, ['--version'], env) },
    ]);
    const command = await interleave(i.runs, [
      { label: '**Bun-compiled executable**: `command` (`true`)', run: () => timeOnce(exe, ['command'], cmdEnv) },
      { label: 'Node SEA: `command` (`true`)', run: () => timeOnce(sea, ['command'], cmdEnv) },
      {
        label: '**Go floor**: one read, the exec websocket, `sh -c true`',
        run: () => timeOnce(floor, ['command'], { ...floorEnv, COMMAND: 'true' }),
      },
      {
        label: '`nomad alloc exec -i=false -t=false <alloc> true` (reference)',
        run: () => timeOnce(i.nomadBin, ['alloc', 'exec', '-i=false', '-t=false', '-task', 'workspace', alloc, 'true'], env),
      },
    ]);
    writeFileSync(payload, randomBytes(64 * 1024 * 1024));
    const catEnv = { ...env, COMMAND: 'cat' };
    const cat = await interleave(Math.max(3, Math.ceil(i.runs / 4)), [
      { label: '**Bun-compiled executable**: `command` (`cat`, 64 MiB)', run: () => timeOnce(exe, ['command'], catEnv, payload) },
      { label: 'Node SEA: `command` (`cat`, 64 MiB)', run: () => timeOnce(sea, ['command'], catEnv, payload) },
      {
        label: '`nomad alloc exec -i=true -t=false <alloc> cat` (reference)',
        run: () => timeOnce(i.nomadBin, ['alloc', 'exec', '-i=true', '-t=false', '-task', 'workspace', alloc, 'cat'], env, payload),
      },
    ]);
    return report({ status, version, command, cat, runs: i.runs, bunVersion: bun.BUN_VERSION });
  } finally {
    try {
      execFileSync(process.execPath, [join(ROOT, 'dist', 'devpod-provider-nomad.js'), 'delete'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

function report(r: { status: Timed[]; version: Timed[]; command: Timed[]; cat: Timed[]; runs: number; bunVersion: string }): string {
  const ratio = (a: Timed, b: Timed) => median(a.ms) / median(b.ms);
  const row = (t: Timed, peer?: Timed, extra = '') =>
    `| ${t.label} | ${fmt(median(t.ms))} | ${fmt(pct(t.ms, 90))} | ${peer ? `${ratio(t, peer).toFixed(2)}×` : ''} | ${extra} |`;
  const verdict = (x: number, goal: number) => `**${x.toFixed(2)}×** (goal ≤ ${goal}×: ${x <= goal ? 'met' : 'not met'})`;
  const [exeStatus, seaStatus, goStatus, cliStatus] = r.status as [Timed, Timed, Timed, Timed];
  const [exeVersion, nothing, seaVersion] = r.version as [Timed, Timed, Timed];
  const [exeCommand, seaCommand, goCommand, cliCommand] = r.command as [Timed, Timed, Timed, Timed];
  const [exeCat, seaCat, cliCat] = r.cat as [Timed, Timed, Timed];
  const mibps = (t: Timed) => 64 / (median(t.ms) / 1000);
  return (
    `## Start-up of the Bun-compiled executable (issue 32)\n\n` +
    `The linux-amd64 executable compiled by Bun ${r.bunVersion} (\`RELEASE_RUNTIME=bun\`, scripts/sea/bun.mjs) next to ` +
    `the Node 22 SEA (\`RELEASE_RUNTIME=node\`, what \`npm run release\` shipped until 2026-12-08; Bun's since), the Go floor and ` +
    `Nomad's CLI, on one running raw_exec workspace, in one run. The Go floor (bench/go-floor) stands in for ` +
    `briancain's Go provider: that module is not served by the Go module proxy (403), so it cannot be built here; ` +
    `the floor does the same reads as our \`status\` and nothing else, so it is no slower than a Go provider can be. ` +
    `Fresh processes with only PATH, HOME and the provider's variables; contenders take turns, ${r.runs} runs each ` +
    `(64 MiB: ${r.cat[0]!.ms.length}). Plain HTTP on loopback.\n\n` +
    `| run | median | p90 | ratio | |\n|---|---|---|---|---|\n` +
    `${row(exeStatus, goStatus, '× Go floor')}\n${row(seaStatus, goStatus, '× Go floor')}\n${row(goStatus)}\n${row(cliStatus, goStatus, '× Go floor')}\n` +
    `${row(exeVersion, nothing, '× Bun doing nothing')}\n${row(nothing)}\n${row(seaVersion, nothing, '× Bun doing nothing')}\n` +
    `${row(exeCommand, goCommand, '× Go floor')}\n${row(seaCommand, goCommand, '× Go floor')}\n${row(goCommand)}\n${row(cliCommand, goCommand, '× Go floor')}\n` +
    `${row(exeCat, seaCat, `× SEA time; ${mibps(exeCat).toFixed(0)} MiB/s`)}\n${row(seaCat, undefined, `${mibps(seaCat).toFixed(0)} MiB/s`)}\n` +
    `${row(cliCat, undefined, `${mibps(cliCat).toFixed(0)} MiB/s`)}\n\n` +
    `- cold \`status\`, Bun-compiled / Go floor: ${verdict(ratio(exeStatus, goStatus), 2)} (the Node SEA: ${ratio(seaStatus, goStatus).toFixed(2)}×; ` +
    `Bun / SEA ${ratio(exeStatus, seaStatus).toFixed(2)}×)\n` +
    `- \`--version\`, Bun-compiled / a Bun executable that does nothing: ${verdict(ratio(exeVersion, nothing), 1.5)}\n` +
    `- \`command true\`, Bun-compiled / a Bun executable that does nothing: ${verdict(ratio(exeCommand, nothing), 1.5)} ` +
    `(it opens Nomad's exec websocket and waits for \`sh -c true\`; / Go floor ${ratio(exeCommand, goCommand).toFixed(2)}×)\n` +
    `- 64 MiB through \`command cat\`: Bun-compiled ${mibps(exeCat).toFixed(0)} MiB/s, Node SEA ${mibps(seaCat).toFixed(0)} MiB/s: ` +
    `${mibps(exeCat) >= 0.95 * mibps(seaCat) ? '**no regression** (goal met)' : '**slower than the SEA** (goal not met: docs/releasing.md)'}\n`
  );
}
