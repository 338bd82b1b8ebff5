// Start-up of the linux-amd64 executable as a Node SEA (RELEASE_RUNTIME=node, the shipped runtime until
// 2026-12-08; startup-bun.ts measures the Bun-compiled one, shipped since, beside it), next to Go binaries doing the same
// work on the same agent in the same run: a cold `status` of a running raw_exec workspace against `nomad job status
// -short`, and `command true` against `nomad alloc exec`, each a fresh process, interleaved; the JS bundle under
// node for reference. Then where the executable's time goes, measured: Node's own timestamps and HTTP diagnostics
// channels (bench/startup-probe.cjs, preloaded), and V8 CPU profiles mapped back to source files.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jobIdFor } from '../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../src/adapters/nomad/client.js';
import { interleave, timeOnce, type Timed } from './exec.js';
import { BUN_VERSION, bunBinary, bunExecutable, bunHello, goFloor } from './floors.js';
import { fmt, median, pct } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = 'linux-amd64';
const EXECUTABLE = `devpod-provider-nomad-${TARGET}`;
/** The name the executable's main script has in its blob, and so in stack traces and CPU profiles. */
const MAIN = 'devpod-provider-nomad.cjs';
const PROBE = join(ROOT, 'bench', 'startup-probe.cjs');

export interface StartupInput {
  nomad: NomadClient;
  nomadAddr: string;
  nomadBin: string;
  runs: number;
  log: (m: string) => void;
}

interface SeaBuild {
  NODE_VERSION: string;
  nodeBinary(target: string): Promise<string>;
  bundle(outfile: string, opts?: { sourcemap?: boolean }): Promise<string>;
}

/** One run's marks from bench/startup-probe.cjs, in ms on the child's clock (0 = its performance.timeOrigin). */
interface ProbeMarks {
  timeOrigin: number;
  v8Start: number;
  environment: number;
  preload: number;
  loopStart: number;
  requests: { start: number; path: string; headers?: number; finish?: number; upgraded?: number }[];
  /** Node's built-in JS modules loaded by the end (process.moduleLoadList). */
  builtins: string[];
  exit: number;
}

/** A run of `cmd` with the probe preloaded: its marks, shifted to ms since the parent spawned it, and when it was gone. */
function probedRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ marks: ProbeMarks; origin: number; gone: number }> {
  return new Promise((done, fail) => {
    // The child's marks are on its own clock, whose origin is the wall clock at its start; the parent's timeOrigin is
    // the wall clock at the parent's start, which a slewed system clock leaves behind over a long bench (~200 ms
    // seen). So the spawn is placed on the wall clock now (1 ms steps), and the parent's monotonic clock times the exit.
    const wallAtSpawn = Date.now();
    const spawnedAt = performance.timeOrigin + performance.now();
    const child = spawn(cmd, args, { env: { ...env, NODE_OPTIONS: `--require ${PROBE}` }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const gone = performance.timeOrigin + performance.now() - spawnedAt;
      const line = err.split('\n').find((l) => l.startsWith('startup-probe '));
      if (code !== 0 || !line) return fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 400)}`));
      const marks = JSON.parse(line.slice('startup-probe '.length)) as ProbeMarks;
      done({ marks, origin: marks.timeOrigin - wallAtSpawn, gone });
    });
  });
}

interface Phases {
  /** [what has happened, median ms since spawn] in order. */
  marks: [string, number][];
  builtins: string[];
}

/** Median, over `runs` probed runs, of each phase's end in ms since spawn. */
async function phases(
  runs: number,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  pick: (m: ProbeMarks) => [string, number][],
): Promise<Phases> {
  const all: [string, number][][] = [];
  let builtins: string[] = [];
  for (let i = 0; i < runs; i++) {
    const { marks, origin, gone } = await probedRun(cmd, args, env);
    all.push([
      ["Node's clock starts: the executable is loaded and linked", origin],
      ...pick(marks).map(([k, v]): [string, number] => [k, v + origin]),
      ['the parent sees the process gone', gone],
    ]);
    builtins = marks.builtins;
  }
  return { marks: all[0]!.map(([label], j) => [label, median(all.map((r) => r[j]![1]))]), builtins };
}

const runtimeMarks = (m: ProbeMarks): [string, number][] => [
  ['V8 initialised', m.v8Start],
  ["Node's environment ready", m.environment],
  ['our code starts (preloads done, main script next)', m.preload],
  ['first HTTP request to Nomad created (main script evaluated, command parsed, options validated)', m.requests[0]?.start ?? NaN],
];

const COMPILE_BUILTINS = "compiling Node's built-in modules on first require (`compileForInternalLoader`)";
/**
 * esbuild's `__commonJS`/`__esm` wrappers do nothing but call a module's body the first time it is required. V8
 * charges the lazy compilation of a function to its caller's self time (checked with a synthetic profile: a wrapper
 * calling six large never-called functions got 227 ms of self time), so their self time is compiling our modules.
 */
const COMPILE_BUNDLE = "compiling our bundle's modules on first require (self time of esbuild's module wrappers)";

/** Self time of a V8 CPU profile by where the code comes from; bundle code mapped back to its source file or package. */
function profileBySource(file: string, map: SourceMap): Map<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<string, number>();
  const add = (k: string, ms: number) => out.set(k, (out.get(k) ?? 0) + ms);
  for (let i = 0; i < p.samples.length; i++) {
    const f = byId.get(p.samples[i]!)!;
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    if (f.functionName === '(idle)') add("idle: waiting for Nomad's answers", ms);
    else if (f.functionName === '(garbage collector)') add('garbage collection', ms);
    else if (f.functionName === '(program)') add("native code outside JS (V8 deserialising the code cache, Node's C++)", ms);
    else if (f.functionName === 'compileForInternalLoader') add(COMPILE_BUILTINS, ms);
    else if (f.url.startsWith('node:')) add("running Node's built-in modules' JS", ms);
    else if (f.url.endsWith(MAIN)) {
      const source = map.findEntry(f.lineNumber, f.columnNumber);
      const path = 'originalSource' in source ? source.originalSource : '';
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      add(pkg ? `our bundle: ${pkg}` : /\/src\//.test(path) ? "our bundle: src/ (the provider's own code)" : COMPILE_BUNDLE, ms);
    } else add('other', ms);
  }
  return out;
}

export async function benchStartup(i: StartupInput): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  const sea = (await import(pathToFileURL(join(ROOT, 'scripts', 'sea', 'build.mjs')).href)) as SeaBuild;
  const machine = `bench-startup-${process.pid}`;
  const jobId = jobIdFor(machine);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NOMAD_ADDR: i.nomadAddr,
    NOMAD_DRIVER: 'raw_exec',
    NOMAD_MEMORYMB: '256',
    MACHINE_ID: machine,
  };
  try {
    i.log(`bench: startup: releasing ${TARGET}`);
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'release.mjs')], {
      cwd: ROOT,
      env: { ...process.env, RELEASE_TARGETS: TARGET, RELEASE_RUNTIME: 'node', RELEASE_DIR: join(work, 'release') },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exe = join(work, 'release', EXECUTABLE);
    const bundleJs = join(ROOT, 'dist', 'devpod-provider-nomad.js');
    const runtime = await sea.nodeBinary(TARGET);
    i.log('bench: startup: building the Go floor (bench/go-floor) and the Bun reference');
    const floor = await goFloor(work);
    const plain = join(work, 'plain.cjs');
    await sea.bundle(plain);
    const bunExe = await bunExecutable(plain, join(work, 'bun-provider'));
    const bun = await bunBinary();
    const bunOneWord = await bunHello(work);
    execFileSync(exe, ['create'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const alloc = (await i.nomad.jobs.allocations(jobId)).data.find((a) => a.ClientStatus === 'running')!.ID;

    // Each contender once, for what it prints: they must all do the work, not fail fast.
    const out = (cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
      execFileSync(cmd, args, { env: { ...env, ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (out(exe, ['status']) !== 'Running\n') throw new Error("bench: the executable's status is not Running");
    if (!/^Status\s+= running$/m.test(out(i.nomadBin, ['job', 'status', '-short', jobId])))
      throw new Error('bench: nomad job status does not say running');
    if (out(exe, ['command'], { COMMAND: 'echo ran' }) !== 'ran\n') throw new Error('bench: command did not run');
    const floorEnv = { ...env, FLOOR_JOB: jobId };
    if (out(floor, ['status'], floorEnv) !== 'Running\n') throw new Error("bench: the Go floor's status is not Running");
    if (out(floor, ['command'], { ...floorEnv, COMMAND: 'echo ran' }) !== 'ran\n') throw new Error("bench: the Go floor's command did not run");
    if (out(bunExe, ['status']) !== 'Running\n') throw new Error("bench: the Bun build's status is not Running");
    if (out(bunExe, ['command'], { COMMAND: 'echo ran' }) !== 'ran\n') throw new Error("bench: the Bun build's command did not run");

    const exec = ['alloc', 'exec', '-i=false', '-t=false', '-task', 'workspace', alloc];
    i.log(`bench: startup: ${i.runs} runs of each, interleaved`);
    const cmdEnv = { ...env, COMMAND: 'true' };
    const status = await interleave(i.runs, [
      { label: `**executable** (${TARGET} SEA): \`status\``, run: () => timeOnce(exe, ['status'], env) },
      { label: '**Go floor** (bench/go-floor): the same 3 reads, the same word', run: () => timeOnce(floor, ['status'], floorEnv) },
      {
        label: `the same bundle compiled by Bun ${BUN_VERSION} (\`--compile --bytecode\`, without the flags scripts/sea/bun.mjs adds): \`status\``,
        run: () => timeOnce(bunExe, ['status'], env),
      },
      { label: '`nomad job status -short <job>` (reference)', run: () => timeOnce(i.nomadBin, ['job', 'status', '-short', jobId], env) },
      { label: 'JS bundle under `node` (reference): `status`', run: () => timeOnce(process.execPath, [bundleJs, 'status'], env) },
    ]);
    const command = await interleave(i.runs, [
      { label: `**executable** (${TARGET} SEA): \`command\` (\`true\`)`, run: () => timeOnce(exe, ['command'], cmdEnv) },
      {
        label: '**Go floor** (bench/go-floor): one read, the exec websocket, `sh -c true`',
        run: () => timeOnce(floor, ['command'], { ...floorEnv, COMMAND: 'true' }),
      },
      {
        label: `the same bundle compiled by Bun ${BUN_VERSION} (likewise): \`command\` (\`true\`)`,
        run: () => timeOnce(bunExe, ['command'], cmdEnv),
      },
      { label: '`nomad alloc exec -i=false -t=false <alloc> true` (reference)', run: () => timeOnce(i.nomadBin, [...exec, 'true'], env) },
      { label: 'JS bundle under `node` (reference): `command` (`true`)', run: () => timeOnce(process.execPath, [bundleJs, 'command'], cmdEnv) },
    ]);
    const floors = await interleave(i.runs, [
      { label: `Node ${sea.NODE_VERSION} alone, the executable's runtime: \`node -e 0\``, run: () => timeOnce(runtime, ['-e', '0'], env) },
      { label: '`go-floor version` (Go start and exit, no HTTP)', run: () => timeOnce(floor, ['version'], env) },
      { label: `Bun ${BUN_VERSION} alone: \`bun -e 0\``, run: () => timeOnce(bun, ['-e', '0'], env) },
      { label: `a Bun ${BUN_VERSION} executable (\`--compile\`) that prints one word`, run: () => timeOnce(bunOneWord, [], env) },
    ]);

    i.log('bench: startup: where the time goes (probe timestamps, CPU profiles)');
    const statusPhases = await phases(i.runs, exe, ['status'], env, (m) => [
      ...runtimeMarks(m),
      [
        `all ${m.requests.length} HTTP reads answered (${m.requests.map((r) => r.path.replace(jobId, '<job>')).join(', ')})`,
        Math.max(...m.requests.map((r) => r.finish ?? NaN)),
      ],
      ["'exit' event", m.exit],
    ]);
    const commandPhases = await phases(i.runs, exe, ['command'], { ...env, COMMAND: 'true' }, (m) => {
      const ws = m.requests.find((r) => r.upgraded !== undefined);
      return [
        ...runtimeMarks(m),
        [
          `reads before the exec answered (${
            m.requests
              .filter((r) => r !== ws)
              .map((r) => r.path.replace(jobId, '<job>').replace(alloc, '<alloc>'))
              .join(', ') || 'none'
          })`,
          Math.max(...m.requests.filter((r) => r !== ws).map((r) => r.finish ?? NaN)),
        ],
        ['exec websocket open (101 from Nomad)', ws?.upgraded ?? NaN],
        ["'exit' event (command ran, exit code received)", m.exit],
      ];
    });

    const bare = await phases(1, runtime, ['-e', '0'], env, () => []);
    const extraBuiltins = statusPhases.builtins.filter((b) => !bare.builtins.includes(b));

    const mapFile = join(work, MAIN);
    await sea.bundle(mapFile, { sourcemap: true }); // the same code as in the executable (checked below), with a map
    const map = new SourceMap(JSON.parse(readFileSync(`${mapFile}.map`, 'utf8')));
    if (readFileSync(plain, 'utf8') !== readFileSync(mapFile, 'utf8')) throw new Error("bench: a sourcemap changed the bundle's code");
    const profiles = async (args: string[], extra: NodeJS.ProcessEnv) => {
      const dir = join(work, `prof-${args[0]}`);
      for (let n = 0; n < i.runs; n++)
        execFileSync(exe, args, {
          env: { ...env, ...extra, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=100` },
          stdio: 'ignore',
        });
      const total = new Map<string, number>();
      const files = readdirSync(dir);
      for (const f of files) for (const [k, v] of profileBySource(join(dir, f), map)) total.set(k, (total.get(k) ?? 0) + v / files.length);
      return total;
    };
    const statusProfile = await profiles(['status'], {});
    const commandProfile = await profiles(['command'], { COMMAND: 'true' });

    return report({
      status,
      command,
      floors,
      statusPhases,
      commandPhases,
      statusProfile,
      commandProfile,
      extraBuiltins,
      runs: i.runs,
      nodeVersion: sea.NODE_VERSION,
    });
  } finally {
    try {
      execFileSync(process.execPath, [join(ROOT, 'dist', 'devpod-provider-nomad.js'), 'delete'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

function report(r: {
  status: Timed[];
  command: Timed[];
  floors: Timed[];
  statusPhases: Phases;
  commandPhases: Phases;
  statusProfile: Map<string, number>;
  commandProfile: Map<string, number>;
  extraBuiltins: string[];
  runs: number;
  nodeVersion: string;
}): string {
  const [exeStatus, goStatus, bunStatus, cliStatus] = r.status as [Timed, Timed, Timed, Timed, Timed];
  const [exeCommand, goExec, bunCommand, cliExec] = r.command as [Timed, Timed, Timed, Timed, Timed];
  const ratio = (a: Timed, b: Timed) => median(a.ms) / median(b.ms);
  const row = (t: Timed, peer?: Timed) =>
    `| ${t.label} | ${fmt(median(t.ms))} | ${fmt(pct(t.ms, 90))} | ${peer ? `${ratio(t, peer).toFixed(2)}×` : ''} |`;
  const verdict = (x: number, goal: number) => `**${x.toFixed(2)}×** (goal ≤ ${goal}×: ${x <= goal ? 'met' : 'missed'})`;
  const timeline = ({ marks: phases }: Phases) =>
    `| until | ms since spawn (median) | this step |\n|---|---|---|\n` +
    phases.map(([label, ms], j) => `| ${label} | ${ms.toFixed(1)} | ${(ms - (j ? phases[j - 1]![1] : 0)).toFixed(1)} |`).join('\n');
  const profileTable = (p: Map<string, number>) => {
    const rows = [...p].filter(([, ms]) => ms >= 0.5).sort((a, b) => b[1] - a[1]);
    const total = [...p.values()].reduce((a, b) => a + b, 0);
    const share = (ms: number) => `${((100 * ms) / total).toFixed(0)} %`;
    return `| where | ms per run (mean) | share |\n|---|---|---|\n${rows.map(([k, ms]) => `| ${k} | ${ms.toFixed(1)} | ${share(ms)} |`).join('\n')}\n| **profiled total** | ${total.toFixed(1)} | |`;
  };
  const publicBuiltins = r.extraBuiltins.filter((b) => !b.startsWith('internal/'));
  return (
    `## Start-up of the Node SEA executable (issue 15)\n\n` +
    `The linux-amd64 executable as a Node ${r.nodeVersion} single executable application (\`RELEASE_RUNTIME=node\`; what \`npm run release\` shipped until 2026-12-08, Bun's since: next section) on one ` +
    `running raw_exec workspace, next to the **Go floor**: bench/go-floor, a small Go program built by the bench ` +
    `with this machine's Go that performs exactly the reads our \`status\` performs (concurrently, as ours does) and ` +
    `prints the same word, and for \`command\` makes the same one read and opens Nomad's exec websocket. It is what ` +
    `a Go provider costs at the least. Nomad's own CLI and the JS bundle under \`node\` are references; so is the ` +
    `executable's own bundle compiled by Bun, to weigh another runtime. Every run is a fresh process, as DevPod ` +
    `starts them, with only PATH, HOME and the provider's variables in the environment; the contenders of each ` +
    `table take turns, ${r.runs} runs each. The ratio column compares with the Go floor. Plain HTTP on loopback: ` +
    `no TLS in these figures.\n\n` +
    `| run | median | p90 | ×Go floor |\n|---|---|---|---|\n` +
    `${r.status.map((t) => row(t, t === goStatus ? undefined : goStatus)).join('\n')}\n` +
    `${r.command.map((t) => row(t, t === goExec ? undefined : goExec)).join('\n')}\n` +
    `${row(r.floors[0]!, r.floors[1]!)}\n${row(r.floors[1]!)}\n${row(r.floors[2]!, r.floors[1]!)}\n${row(r.floors[3]!, r.floors[1]!)}\n\n` +
    `- cold \`status\`, executable / Go floor: ${verdict(ratio(exeStatus, goStatus), 1.5)}\n` +
    `- \`command true\`, executable / Go floor: ${verdict(ratio(exeCommand, goExec), 1.3)}\n` +
    `- for reference: executable / Nomad's CLI ${ratio(exeStatus, cliStatus).toFixed(2)}× (\`status\`), ` +
    `${ratio(exeCommand, cliExec).toFixed(2)}× (\`command\`); Bun build / Go floor ${ratio(bunStatus, goStatus).toFixed(2)}× ` +
    `(\`status\`), ${ratio(bunCommand, goExec).toFixed(2)}× (\`command\`); the runtimes alone, Node / Go ` +
    `${ratio(r.floors[0]!, r.floors[1]!).toFixed(2)}×, Bun / Go ${ratio(r.floors[2]!, r.floors[1]!).toFixed(2)}×, a Bun executable / Go ` +
    `${ratio(r.floors[3]!, r.floors[1]!).toFixed(2)}×.\n` +
    `- what the runtime alone allows: starting Node ${r.nodeVersion} and doing nothing takes ${fmt(median(r.floors[0]!.ms))}, ` +
    `${(median(r.floors[0]!.ms) / median(goStatus.ms)).toFixed(2)}× the Go floor's whole \`status\`; a Bun executable that prints ` +
    `one word, ${(median(r.floors[3]!.ms) / median(goStatus.ms)).toFixed(2)}×. ` +
    `${median(r.floors[0]!.ms) / median(goStatus.ms) > 1.5 && median(r.floors[3]!.ms) / median(goStatus.ms) > 1.5 ? "So no executable of either runtime can meet the 1.5× goal on this machine, whatever the provider's own code does." : "So the goal is within a runtime's reach."}\n\n` +
    `### Where the executable's time goes\n\n` +
    `Measured, not estimated: ${r.runs} more runs of each with \`bench/startup-probe.cjs\` preloaded ` +
    `(\`NODE_OPTIONS=--require\`, which the executable honours), which records Node's own start-up marks ` +
    `(\`performance.nodeTiming\`) and each HTTP request from Node's \`http.client.*\` diagnostics channels; ` +
    `times are from the moment the benchmark spawned the process.\n\n` +
    `\`status\`:\n\n${timeline(r.statusPhases)}\n\n` +
    `\`command true\`:\n\n${timeline(r.commandPhases)}\n\n` +
    `V8 CPU profiles of the executable (\`--cpu-prof\`, 0.1 ms sampling, ${r.runs} runs each; from the profiler's start, ` +
    `after V8 is up, to exit; sampling slows a run, so read the shares), self time by where the code comes from — our ` +
    `bundle's functions mapped to their source file through a source map of the identical bundle. Compiling our ` +
    `modules shows up as the self time of esbuild's module wrappers: V8 charges a function's lazy compilation to its ` +
    `caller (a synthetic profile of a wrapper calling six large, never-called functions gave the wrapper 227 ms of ` +
    `self time).\n\n` +
    `\`status\`:\n\n${profileTable(r.statusProfile)}\n\n` +
    `\`command true\`:\n\n${profileTable(r.commandProfile)}\n\n` +
    `Node built-ins the executable's \`status\` loads that \`node -e 0\` of the same runtime does not: ` +
    `${r.extraBuiltins.length} modules, ${publicBuiltins.length} of them public (${publicBuiltins.map((b) => `\`${b}\``).join(', ')}); ` +
    `each is compiled when first required (the "${COMPILE_BUILTINS}" row) and then run.\n`
  );
}
