// INACTIVITY_TIMEOUT in machine mode, with each real devpod CLI (loft-sh v0.6.15, then the skevetter fork v0.26.1,
// each with a DEVPOD_HOME, workspace and agent directory of its own on the one agent) and the released provider: `devpod up` brings up a
// devcontainer through DevPod's agent in the "machine" (a docker-driver task on an agent of its own), DevPod's
// inactivity daemon inside that machine runs our shutdown command once the workspace idles, and the workspace ends
// Stopped — a complete allocation of a batch job, not a restart loop. `devpod up` then starts it again with its files.
//
// The machine reaches Docker the way a team's job template can give it the node's engine without privileges: the
// template mounts the harness engine's socket (NOMAD_JOB_TEMPLATE). DevPod's agent keeps its data (the workspace's
// files among them) on a Nomad host volume mounted at the same path as on the host, so the bind mounts it asks the
// engine for name real host paths. The image is Debian-like where it matters: /etc/init.d and Debian's `service`, so
// DevPod installs its daemon as a SysV service started with a clean environment, as in a Debian or Ubuntu image.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { DEVPOD_CLIS, devpodCli, type Devpod, providerAddArgs } from '../helpers/devpod.js';
import { importImage, machineRootfs } from '../helpers/images.js';
import { clientFor } from '../helpers/jobs.js';
import { pathWithoutNode, serveRelease, type ServedRelease } from '../helpers/release.js';

const IMAGE = 'devpod-test/idle-machine:1';
const INACTIVITY = '30s';
const work = mkdtempSync(join(tmpdir(), 'idle-stop-'));
/** The host volume: DevPod's agent data (AGENT_DATA_PATH) lives under it, at the same path inside the machine. */
const volume = join(work, 'volume');
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
const template = join(work, 'team.hcl');
let agent: NomadAgent;
let nomad: NomadClient;
let served: ServedRelease;
let pathDir: string;

beforeAll(async () => {
  served = await serveRelease('linux-amd64');
  pathDir = pathWithoutNode();
  importImage(docker, machineRootfs(work), IMAGE);
  mkdirSync(volume);
  chmodSync(volume, 0o777);
  agent = await startNomadAgent({
    dockerEndpoint: endpoint,
    dockerConfig: '    volumes {\n      enabled = true\n    }',
    clientConfig: `  host_volume "devpod-idle" {\n    path = "${volume}"\n    read_only = false\n  }\n`,
  });
  nomad = clientFor(agent.address);

  writeFileSync(
    template,
    `
job "\${JOB_ID}" {
  group "dev" {
    task "workspace" {
      config {
        mount {
          type   = "bind"
          source = "${endpoint.replace(/^unix:\/\//, '')}"
          target = "/var/run/docker.sock"
        }
      }
    }
  }
}
`,
  );
}, 900_000);

afterAll(async () => {
  await served?.close();
  if (pathDir) rmSync(pathDir, { recursive: true, force: true });
  await agent?.stop();
  // The devcontainer ran in the harness engine, beside Nomad's tasks: remove it and the image.
  const left = docker(['ps', '-aq', '--filter', `ancestor=${IMAGE}`])
    .split('\n')
    .filter(Boolean);
  if (left.length) docker(['rm', '-f', ...left]);
  docker(['rmi', '-f', IMAGE]);
  rmSync(work, { recursive: true, force: true });
});

const allocations = async (jobId: string) => (await nomad.jobs.allocations(jobId)).data;
/** How many lines of the provider's stderr DevPod showed (with --debug) match `line`: how often it ran a command. */
const count = (out: string, line: RegExp) => out.match(new RegExp(line.source, 'g'))?.length ?? 0;

describe.each(DEVPOD_CLIS)("INACTIVITY_TIMEOUT in machine mode, with $name's devpod up", (cli) => {
  const workspace = `idle-${Math.random().toString(36).slice(2, 8)}`;
  const repo = join(work, workspace);
  /** DevPod's agent data of this CLI's workspace, on the host volume (mounted at the same path in the machine). */
  const agentData = join(volume, workspace);
  let dp: Devpod;
  let jobId: string;
  let upEnded: number;
  /** Jobs on this file's agent that the other CLI's run did not leave: DevPod names the machine with a random suffix. */
  let others = new Set<string>();
  const jobs = async () => (await nomad.jobs.list('devpod-')).data.filter((j) => !others.has(j.ID));
  const devpod = async (args: string[], timeoutMs?: number) => {
    const r = await dp.run(args, timeoutMs);
    if (r.code !== 0) process.stderr.write(`[idle ${cli.name}] devpod ${args[0]} exited ${r.code}:\n${r.out.slice(-4000)}\n`);
    return r;
  };

  beforeAll(async () => {
    others = new Set((await nomad.jobs.list('devpod-')).data.map((j) => j.ID));
    mkdirSync(join(repo, '.devcontainer'), { recursive: true });
    writeFileSync(join(repo, '.devcontainer', 'devcontainer.json'), JSON.stringify({ name: 'idle', image: IMAGE }));
    writeFileSync(join(repo, 'README'), 'from the repository\n');
    const home = join(work, `devpod-home-${workspace}`);
    mkdirSync(join(home, 'tmp'), { recursive: true });
    dp = devpodCli(home, 240_000, { PATH: pathDir, TMPDIR: join(home, 'tmp') }, cli);
    const add = await devpod(
      providerAddArgs(`${served.url}/provider.yaml`, 'nomad', {
        NOMAD_ADDR: agent.address,
        NOMAD_DRIVER: 'docker',
        NOMAD_IMAGE: IMAGE,
        NOMAD_MEMORYMB: '512',
        NOMAD_JOB_TEMPLATE: template,
        NOMAD_VOLUME_TYPE: 'host',
        NOMAD_VOLUME_SOURCE: 'devpod-idle',
        NOMAD_VOLUME_MOUNT: volume,
        AGENT_DATA_PATH: agentData,
        INACTIVITY_TIMEOUT: INACTIVITY,
      }),
    );
    expect(add.code).toBe(0);
  }, 900_000);

  it("devpod up runs the devcontainer through DevPod's agent in a batch machine job", async () => {
    const up = await devpod(['up', repo, '--provider', 'nomad', '--ide', 'none', '--daemon-interval', '5s', '--debug'], 300_000);
    upEnded = Date.now();
    expect(up.code).toBe(0);
    // create ran once, and status said Running right after: the fork polls it, and on NotFound would create again.
    // (After loft-sh's EOF race the helper runs up again; `out` holds both runs, the create in the first's.)
    expect([count(up.out, /registered \(evaluation/), count(up.out, /already registered/)]).toEqual([1, 0]);
    const [job] = await jobs();
    jobId = job!.ID;
    expect(job).toMatchObject({ Type: 'batch', Status: 'running' });
    // The devcontainer's copy of the repository is on the host volume, where DevPod's agent put it.
    const copies = readdirSync(agentData, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name === 'README');
    process.stderr.write(`[idle ${cli.name}] README copies: ${copies.map((e) => join(e.parentPath, e.name)).join(', ')}\n`);
    expect(copies.map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))).toEqual(['from the repository\n']);
    const ssh = await devpod(['ssh', workspace, '--command', `echo kept > /workspaces/${workspace}/kept.txt && cat /workspaces/${workspace}/README`]);
    expect(ssh.stdout).toBe('from the repository\n');
    expect((await devpod(['status', workspace])).out).toMatch(/Running/);
    const [alloc] = await allocations(jobId);
    const inMachine = (script: string) => docker(['exec', `workspace-${alloc!.ID}`, 'sh', '-c', script]);
    const daemon = (pidFile: string) =>
      inMachine(`tr "\\0" "\\n" < /proc/$(cat ${pidFile})/environ; cat /proc/$(cat ${pidFile})/cmdline | tr "\\0" " "`);
    if (cli.fork) {
      // The fork installs a systemd unit, or without systemd (as here) starts the daemon in the background with the
      // environment of the `command` that ran the agent (the task's NOMAD_* among it); it runs our shutdown with
      // DevPod's variables all the same (the next test sees it stop).
      const daemonEnv = daemon('/tmp/devpod.daemon.pid');
      process.stderr.write(`[idle ${cli.name}] DevPod's daemon in the machine: ${JSON.stringify(daemonEnv)}\n`);
      expect(daemonEnv).toMatch(/agent daemon/);
    } else {
      // DevPod's daemon runs in the machine as a SysV service that `service` started with a clean environment (no
      // NOMAD_* variables): our shutdown can rely only on what DevPod itself puts in its environment (MACHINE_ID).
      expect(inMachine('head -c 9 /etc/init.d/devpod')).toBe('#! /bin/s');
      const daemonEnv = daemon('/var/run/devpod.pid');
      process.stderr.write(`[idle ${cli.name}] DevPod's daemon in the machine: ${JSON.stringify(daemonEnv)}\n`);
      expect(daemonEnv).toMatch(/agent daemon/);
      expect(daemonEnv).not.toMatch(/NOMAD_/);
    }
  }, 360_000);

  it("ends Stopped once the workspace idles: DevPod's daemon ran our shutdown, the task exited 0 and nothing restarts it", async () => {
    // DevPod's daemon looks every 5 s (--daemon-interval) for INACTIVITY (30 s) without activity.
    let status = '';
    for (const until = Date.now() + 240_000; Date.now() < until; ) {
      status = (await devpod(['status', workspace])).out;
      if (/Stopped/.test(status)) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    process.stderr.write(`[idle ${cli.name}] Stopped ${((Date.now() - upEnded) / 1000).toFixed(0)} s after devpod up returned\n`);
    expect(status).toMatch(/Stopped/);
    const [alloc] = await allocations(jobId);
    expect(alloc).toMatchObject({ ClientStatus: 'complete' });
    const task = alloc!.TaskStates!.workspace!;
    expect(task).toMatchObject({ State: 'dead', Failed: false, Restarts: 0 });
    expect(task.Events!.find((e) => e.Type === 'Terminated')?.ExitCode).toBe(0);
    const log = join(agent.dataDir, 'data', 'alloc', alloc!.ID, 'alloc', 'logs', 'workspace.stderr.0');
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '(no log)').toMatch(/DevPod ran its inactivity shutdown/);
    const job = (await nomad.jobs.read(jobId)).data!;
    expect(job).toMatchObject({ Status: 'dead', Stop: false });
    // A batch job's complete allocation is not replaced: no restart loop, seconds later either.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(await allocations(jobId)).toHaveLength(1);
    expect((await devpod(['status', workspace])).out).toMatch(/Stopped/);
  }, 300_000);

  it('devpod up starts it again, with the file written before it idled', async () => {
    const up = await devpod(['up', repo, '--provider', 'nomad', '--ide', 'none', '--debug'], 300_000);
    expect(up.code).toBe(0);
    // One start of the Stopped workspace, none after it: status said Running at once.
    expect([count(up.out, /started \(evaluation/), count(up.out, /already running/)]).toEqual([1, 0]);
    const allocs = await allocations(jobId);
    expect(allocs.map((a) => a.ClientStatus).sort()).toEqual(['complete', 'running']);
    const read = await devpod(['ssh', workspace, '--command', `cat /workspaces/${workspace}/kept.txt`]);
    expect(read.stdout).toBe('kept\n');
  }, 360_000);

  it('devpod delete leaves no job behind', async () => {
    expect((await devpod(['delete', workspace, '--force'])).code).toBe(0);
    expect(await jobs()).toEqual([]);
  }, 180_000);
});
