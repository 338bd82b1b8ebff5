// Runs the built provider binary the way DevPod does: options and DevPod's variables in the environment,
// stdin piped, stdout and stderr captured separately.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { inject } from 'vitest';

export const BIN = resolve(import.meta.dirname, '..', '..', 'dist', 'devpod-provider-nomad.js');

/**
 * How to start the provider: the bundle under this node, or, when TEST_PROVIDER_EXECUTABLE names one, that
 * executable (a released one, e.g. .scratch/bun/out/devpod-provider-nomad-linux-amd64: the same tests then run the
 * shipped runtime).
 */
export function providerCommand(args: string[]): [file: string, argv: string[]] {
  const exe = process.env.TEST_PROVIDER_EXECUTABLE;
  return exe ? [exe, args] : [process.execPath, [BIN, ...args]];
}

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export function devpodEnv(machineId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    NOMAD_ADDR: inject('nomadAddr'),
    NOMAD_DRIVER: 'raw_exec',
    NOMAD_CPU: '50',
    NOMAD_MEMORYMB: '64',
    NOMAD_TIMEOUT: '60s',
    MACHINE_ID: machineId,
    MACHINE_FOLDER: `/tmp/devpod-test/machines/${machineId}`,
    DEVPOD_OS: 'linux',
    DEVPOD_ARCH: 'amd64',
    ...extra,
  };
}

/**
 * `cwd`: where DevPod runs it, e.g. a repository whose .devpod/nomad.yaml it then reads. `onStdout` sees the whole of
 * stdout so far, each time more arrives (to act while the command runs). `bin`: a released executable to run
 * instead of the bundle under node.
 */
export function cli(
  args: string[],
  env: Record<string, string>,
  stdin?: Buffer | string,
  opts: { cwd?: string; onStdout?: (all: Buffer) => void; bin?: string } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const [file, argv] = opts.bin ? [opts.bin, args] : providerCommand(args);
    const child = spawn(file, argv, { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      opts.onStdout?.(Buffer.concat(out));
    });
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined); // the command may exit before reading all of its input
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}
