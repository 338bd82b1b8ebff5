// `command` never passes off a partial result as success, and never fails a command that succeeded: on the docker
// driver (where Nomad's exec can end early, and cuts output into 1 KiB frames that often split the end-of-output
// marker, see src/adapters/nomad/exec-trailer.ts), hundreds of 4 MiB round trips through `cat` via the provider
// binary, every one byte-exact with exit 0. A non-zero exit (loud) and a short 0 (silent) are both failures.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';

const IMAGE = 'devpod-test/busybox:1';
const RUNS = Number(process.env.EXEC_STRESS_RUNS ?? 200);
const SIZE = 4 * 1024 * 1024;
const PARALLEL = 3;
const work = mkdtempSync(join(tmpdir(), 'exec-stress-'));
const endpoint = inject('dockerEndpoint');
let agent: NomadAgent;
const machine = uniqueId('stress');
const env = () =>
  devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: IMAGE, NOMAD_MEMORYMB: '128', DEVPOD_DEBUG: 'true' });

beforeAll(async () => {
  importImage(dockerCli(endpoint), busyboxRootfs(work), IMAGE);
  agent = await startNomadAgent({ dockerEndpoint: endpoint });
  const r = await cli(['create'], env());
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await clientFor(agent.address)
    .jobs.purge(jobIdFor(machine))
    .catch(() => undefined);
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('command under stress on the docker driver', () => {
  it(`${RUNS} runs of 4 MiB through cat: every one byte-exact with exit 0, none failed loudly or silently`, async () => {
    const tally = { exact: 0, failedLoudly: 0, silentlyShort: 0, restarts: 0 };
    const failures: string[] = [];
    const times: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < RUNS) {
        next++;
        const data = randomBytes(SIZE);
        const t0 = performance.now();
        const r = await cli(['command'], { ...env(), COMMAND: 'cat' }, data);
        times.push(performance.now() - t0);
        tally.restarts += (r.stderr.match(/ended before the command started/g) ?? []).length;
        if (r.code === 0 && sha(r.stdout) === sha(data)) tally.exact++;
        else if (r.code !== 0) {
          tally.failedLoudly++;
          failures.push(`exit ${r.code}, ${r.stdout.length} bytes: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
        } else {
          tally.silentlyShort++;
          failures.push(`EXIT 0 WITH ${r.stdout.length} of ${SIZE} bytes${r.stdout.length === SIZE ? ', not the ones sent' : ''}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    process.stderr.write(`[exec-stress] ${JSON.stringify(tally)}, median ${ms.toFixed(0)} ms a run\n${failures.map((f) => `  ${f}\n`).join('')}`);
    expect(failures).toEqual([]);
    expect(tally).toMatchObject({ exact: RUNS, failedLoudly: 0, silentlyShort: 0 });
  }, 900_000);
});
