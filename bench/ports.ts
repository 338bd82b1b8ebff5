// Published ports (issue 31): how soon a workspace's web app answers at the address the provider reports once
// `create` returns, and how soon `start` has its service listed again. One workspace per run and driver (raw_exec on
// the bench's dev agent, docker on one of its own; run.ts sets them up), through the provider binary as DevPod runs
// it; the app is started through `command` right after create (as a devcontainer's postStartCommand would be), so
// its start-up is part of the figure.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceName } from '../src/adapters/jobspec/ports.js';
import { jobIdFor } from '../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../src/adapters/nomad/client.js';
import { fmt, median, pct } from './stats.js';

interface PortsRun {
  /** A fresh `status --output json` process: started → printed the address. */
  status: number;
  /** create returned → GET /v1/service/<name> lists the address. */
  listed: number;
  /** create returned → the app answers HTTP at the address (the `command` that starts it included). */
  answers: number;
  /** start returned → the service lists the new address. */
  relisted: number;
  /** start invoked → the service lists the new address (start's own wait included). */
  startToListed: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 10 ms for at most 30 s; the time from `since` to its first success. */
async function until(since: number, probe: () => Promise<boolean>): Promise<number> {
  const end = Date.now() + 30_000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error('bench: ports: nothing answered within 30 s');
    await sleep(10);
  }
  return performance.now() - since;
}

/** A small node HTTP server for raw_exec, on $NOMAD_PORT_web (nothing maps there), as a detached `command`. */
export function nodeServer(dir: string): string {
  const server = join(dir, 'server.cjs');
  writeFileSync(server, "require('node:http').createServer((_q, s) => s.end('ok')).listen(Number(process.env.NOMAD_PORT_web));\n");
  return `setsid nohup '${process.execPath}' '${server}' >/dev/null 2>&1 </dev/null &`;
}

/** busybox httpd on the workspace port itself, which docker maps the host port to; it daemonizes. */
export const HTTPD = 'mkdir -p /tmp/www && echo ok > /tmp/www/index.html && httpd -p 3000 -h /tmp/www';

/** One driver's contender: where it runs, and the command that starts the app (it must answer on the address). */
export interface PortsTarget {
  label: string;
  nomad: NomadClient;
  nomadAddr: string;
  env: Record<string, string>;
  /** The `command` that starts the app in the workspace, detached. */
  serve: string;
}

/** `runs` workspaces of one target, one at a time. */
async function measure(providerBin: string, t: PortsTarget, runs: number, log: (m: string) => void): Promise<PortsRun[]> {
  const results: PortsRun[] = [];
  for (let i = 0; i < runs; i++) {
    const machine = `bench-ports-${t.env.NOMAD_DRIVER}-${process.pid}-${i}`;
    const env = { ...process.env, NOMAD_ADDR: t.nomadAddr, NOMAD_MEMORYMB: '128', ...t.env, MACHINE_ID: machine, NOMAD_PORTS: 'web=3000' };
    const run = (args: string[], extra: Record<string, string> = {}) =>
      execFileSync(process.execPath, [providerBin, ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
    const service = serviceName(jobIdFor(machine), 'web');
    const listing = async () => ((await t.nomad.services.read(service)).data ?? []).map((s) => `${s.Address}:${s.Port}`);
    const addressOf = () => (JSON.parse(run(['status', '--output', 'json'])) as { ports: { address: string }[] }).ports[0]!.address;
    try {
      run(['create']);
      const created = performance.now();
      // Polled before anything else runs, so the figure is Nomad's, not that of a `status` process.
      const listed = await until(created, async () => (await listing()).length > 0);
      const [address] = await listing();
      run(['command'], { COMMAND: t.serve });
      const answers = await until(created, async () => (await fetch(`http://${address}/`, { signal: AbortSignal.timeout(1000) })).ok);
      const before = performance.now();
      if (addressOf() !== address) throw new Error(`bench: ports: status does not report ${address}, which the service lists`);
      const status = performance.now() - before;
      run(['stop']);
      await until(performance.now(), async () => (await listing()).length === 0);
      const invoked = performance.now();
      run(['start']);
      const started = performance.now();
      const relisted = await until(started, async () => (await listing()).length > 0);
      if (!(await listing()).includes(addressOf())) throw new Error('bench: ports: after start, status and the service disagree');
      results.push({ status, listed, answers, relisted, startToListed: relisted + (started - invoked) });
      log(`bench: ports on ${t.label}, run ${i + 1}/${runs}: answers ${fmt(answers)}, relisted ${fmt(relisted)}`);
    } finally {
      run(['delete']);
    }
  }
  return results;
}

/** The section: each target's rows, measured one after the other on the same machine. */
export async function benchPorts(o: { providerBin: string; targets: PortsTarget[]; runs: number; log: (m: string) => void }) {
  const measured: Array<[PortsTarget, PortsRun[]]> = [];
  for (const t of o.targets) measured.push([t, await measure(o.providerBin, t, o.runs, o.log)]);
  const rows = (label: string, k: keyof PortsRun) =>
    measured.map(([t, r]) => {
      const xs = r.map((x) => x[k]);
      return `| ${label}, ${t.label} | ${fmt(median(xs))} | ${fmt(pct(xs, 90))} | ${fmt(Math.max(...xs))} |`;
    });
  return (
    `## Published ports (issue 31)\n\n` +
    `${o.runs} workspaces per driver with \`NOMAD_PORTS=web=3000\`, one at a time, through the provider binary: ` +
    `${o.targets.map((t) => `${t.label} (app: ${t.serve.includes('httpd') ? 'busybox httpd on 3000' : 'a small node server on $NOMAD_PORT_web'})`).join(', ')}. ` +
    `The app is started through \`command\` right after \`create\` returns (its start-up and that \`command\` are ` +
    `part of "answers"); probes every 10 ms from the host, no session open. "Listed" is \`GET /v1/service/<name>\` ` +
    `naming an address (checked to be the one \`status --output json\` reports).\n\n` +
    `| from → to | median | p90 | max |\n|---|---|---|---|\n` +
    [
      ...rows('`create` returned → service listed', 'listed'),
      ...rows('`create` returned → the port answers HTTP', 'answers'),
      ...rows("`start` returned → service listed again (the new allocation's address)", 'relisted'),
      ...rows('`start` invoked → service listed again', 'startToListed'),
      ...rows('`status --output json` (a fresh process): run → the address printed', 'status'),
    ].join('\n') +
    `\n\n"Listed" is polled from the moment the command returns, before any other process runs; "answers" counts from ` +
    `\`create\` returning through the \`command\` that starts the server to its first HTTP 200. ` +
    `So the service is there, at its address, by the time \`create\` or \`start\` returns (the first poll, one ` +
    `request, finds it in most runs, the second in the rest): Nomad's client registers it as it starts the ` +
    `allocation, before the running update those commands wait for reaches the servers. What a person waits for ` +
    `is their app's start-up.\n`
  );
}
