// The real devpod CLI for tests: built (or found in the cache) from its pinned source, run with its own DEVPOD_HOME
// and telemetry off; exit code, stdout and combined output come back, never a throw. `env` adds to or replaces
// the few variables it gets (PATH, HOME, TMPDIR…): DevPod hands its environment on to the provider.
import { execFile, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface Devpod {
  bin: string;
  run(args: string[], timeoutMs?: number): Promise<{ code: number; out: string; stdout: string }>;
}

export function devpodCli(home: string, defaultTimeoutMs = 120_000, env: Record<string, string> = {}): Devpod {
  const bin = execFileSync(join(ROOT, 'scripts', 'devpod-binary'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return {
    bin,
    run: (args, timeoutMs = defaultTimeoutMs) =>
      new Promise((done) => {
        execFile(bin, args, {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DEVPOD_HOME: home, DEVPOD_DISABLE_TELEMETRY: 'true', ...env },
          timeout: timeoutMs,
          maxBuffer: 32 * 1024 * 1024,
        }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}`, stdout }));
      }),
  };
}
