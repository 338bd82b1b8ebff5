// The real devpod CLIs for tests, each built (or found in the cache) from its pinned source: loft-sh/devpod v0.6.15,
// the last release of the original, and skevetter/devpod v0.26.1, the community fork most users moved to. Run with
// their own DEVPOD_HOME and telemetry off; exit code, stdout and combined output come back, never a throw. `env`
// adds to or replaces the few variables they get (PATH, HOME, TMPDIR…): DevPod hands its environment on to the
// provider. A CLI that cannot be built makes devpodCli throw: its tests fail, they are never skipped.
import { execFile, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface DevpodCliSpec {
  /** For test names: who publishes it, and which release. */
  name: string;
  /** The script under scripts/ that prints its path (building it the first time). */
  script: string;
  /** The fork's contract: polls status after create/start, exec.describe, provider rename, DEVPOD_PROVIDER_<NAME>_<OPTION>. */
  fork: boolean;
}

export const LOFT: DevpodCliSpec = { name: 'loft-sh/devpod v0.6.15', script: 'devpod-binary', fork: false };
export const SKEVETTER: DevpodCliSpec = { name: 'skevetter/devpod v0.26.1', script: 'devpod-fork-binary', fork: true };
/** Every devpod CLI the DevPod tests run against (describe.each). */
export const DEVPOD_CLIS: readonly DevpodCliSpec[] = [LOFT, SKEVETTER];

export interface Devpod {
  bin: string;
  cli: DevpodCliSpec;
  /**
   * `timedOut`: killed at `timeoutMs` (code is then 1); `retried`: a loft-sh `up` run twice (LOFT_EOF_RACE). `out` is
   * then both runs' output, the first's first: what the first did (the create, the placement) is only there, and
   * a check that nothing leaks reads both. `code` and `stdout` are the second's.
   */
  run(args: string[], timeoutMs?: number): Promise<{ code: number; out: string; stdout: string; timedOut: boolean; retried?: boolean }>;
}

const paths = new Map<string, string>();

/** The CLI's executable: its script's answer, asked once per test file. Throws, with the script's stderr shown, when it cannot be had. */
export function devpodBinary(cli: DevpodCliSpec = LOFT): string {
  let bin = paths.get(cli.script);
  if (!bin) {
    bin = execFileSync(join(ROOT, 'scripts', cli.script), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    paths.set(cli.script, bin);
  }
  return bin;
}

/**
 * DevPod v0.6.15's own race (docs/devpod-clis.md): its ssh library returns a bare EOF from a session whose command
 * exited 0 when DevPod is still writing that session's stdin, so `devpod up` fails after "Done setting up container"
 * with `EOF` / `run agent command` (sshtunnel.go:129). The skevetter fork ignores that EOF once a result exists. Our
 * tunnel cannot cause this signature (a lost or cut exec fails otherwise, with our own message), so a loft-sh `up`
 * that ends exactly so is run once more, and the retry is said on stderr.
 */
const LOFT_EOF_RACE = /EOF\s*\n[^\n]*run agent command[\s\S]{0,2000}sshtunnel\.go:129/;

export function devpodCli(home: string, defaultTimeoutMs = 120_000, env: Record<string, string> = {}, cli: DevpodCliSpec = LOFT): Devpod {
  const bin = devpodBinary(cli);
  const once = (args: string[], timeoutMs: number) =>
    new Promise<{ code: number; out: string; stdout: string; timedOut: boolean }>((done) => {
      execFile(
        bin,
        args,
        {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DEVPOD_HOME: home, DEVPOD_DISABLE_TELEMETRY: 'true', ...env },
          timeout: timeoutMs,
          maxBuffer: 32 * 1024 * 1024,
        },
        (err, stdout, stderr) =>
          done({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            out: `${stdout}${stderr}`,
            stdout,
            timedOut: Boolean(err?.killed),
          }),
      );
    });
  return {
    bin,
    cli,
    run: async (args, timeoutMs = defaultTimeoutMs) => {
      const first = await once(args, timeoutMs);
      if (cli.fork || args[0] !== 'up' || first.code === 0 || !LOFT_EOF_RACE.test(first.out)) return first;
      process.stderr.write(
        `[devpod] ${cli.name}: devpod ${args.join(' ')} hit DevPod's own EOF race (sshtunnel.go:129, fixed in the skevetter fork); running it once more\n`,
      );
      const second = await once(args, timeoutMs);
      return { ...second, out: `${first.out}${second.out}`, retried: true };
    },
  };
}

/** `devpod provider add <source> --name <name> -o K=V …`: the argv DevPod's users type, from an options record. */
export function providerAddArgs(source: string, name: string, options: Record<string, string>): string[] {
  return ['provider', 'add', source, '--name', name, ...Object.entries(options).flatMap(([k, v]) => ['-o', `${k}=${v}`])];
}
