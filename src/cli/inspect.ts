// `inspect`: a live page on 127.0.0.1 showing each watched workspace's machine, current state, reason and the
// timeline of Nomad events that drove it. Follows Nomad's event stream, so it sees workspaces of other processes.
import { loadConfig } from '../adapters/config/index.js';
import { jobIdFor } from '../adapters/jobspec/workspace-job.js';
import { NomadClient } from '../adapters/nomad/client.js';
import { InspectorFeed } from '../inspector/feed.js';
import { serveInspector } from '../inspector/server.js';
import { log } from './context.js';
import { UsageError } from './usage-error.js';

/** Machine ids or job ids; none means every devpod-* job Nomad has now. */
export async function resolveWorkspaces(nomad: NomadClient, names: string[]): Promise<string[]> {
  if (names.length) return names.map((n) => (n.startsWith('devpod-') ? n : jobIdFor(n)));
  return (await nomad.jobs.list('devpod-')).data.map((j) => j.ID);
}

/**
 * The inspector lives long and allocates at the event stream's pace (a stream line is parsed, routed and dropped):
 * left to its defaults, V8 grows the young generation to 32 MB and lets the old one grow to several times what is
 * live, and the process keeps that memory. A young generation that does not grow past its first size, and an old one
 * grown by half of what is live at each collection, hold a 1,000-workspace inspector's peak RSS near 120 MB instead
 * of 190 MB, for a little more time in the collector (bench/inspector-scale.ts). Both flags are read by V8 as it
 * goes, so setting them here works.
 */
async function keepHeapSmall(): Promise<void> {
  // Loaded here, not at start: no other command needs node:v8.
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}

export async function startInspector(names: string[], port: number) {
  await keepHeapSmall();
  const config = loadConfig(process.env);
  const nomad = new NomadClient(config.connection);
  // With no names, every workspace: those Nomad has now, and those registered while the inspector runs.
  const feed = new InspectorFeed(nomad, { discover: names.length === 0 });
  await feed.start();
  for (const id of await resolveWorkspaces(nomad, names)) feed.watch(id);
  const server = await serveInspector(feed, port);
  return { feed, server };
}

export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function inspect(names: string[], opts: { port: string }): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${JSON.stringify(opts.port)} is not valid: expected a port number (0 picks a free one)`);
  const { feed, server } = await startInspector(names, port);
  process.stdout.write(`${server.url}\n`);
  log(`inspector on ${server.url} (loopback only); Ctrl-C stops it`);
  await untilInterrupted();
  feed.stop();
  await server.close();
}
