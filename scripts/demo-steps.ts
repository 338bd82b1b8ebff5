// The demo's steps, against any Nomad address. Grows as the CLI grows.
import { NomadClient } from '../src/adapters/nomad/client.js';
import { resolveConnection } from '../src/adapters/nomad/connection.js';

export async function runDemo(address: string): Promise<void> {
  const nomad = new NomadClient(resolveConnection(process.env, { address }));
  const id = `demo-${process.pid}`;
  const say = (m: string) => process.stdout.write(`${m}\n`);
  const reg = await nomad.jobs.register({
    ID: id,
    Type: 'service',
    Datacenters: ['*'],
    TaskGroups: [{ Name: 'workspace', Count: 1, Tasks: [{ Name: 'workspace', Driver: 'raw_exec', Config: { command: '/bin/sleep', args: ['3600'] } }] }],
  });
  say(`registered job ${id} (evaluation ${reg.data.EvalID.slice(0, 8)})`);
  const ctl = new AbortController();
  await nomad.events.follow({ topics: [`Allocation:${id}`], index: reg.meta.lastIndex }, {
    onFrame(frame) {
      for (const ev of frame.Events) {
        const a = ev.Payload.Allocation;
        if (!a) continue;
        say(`event ${ev.Type}: allocation ${a.ID.slice(0, 8)} ${a.ClientStatus}`);
        if (a.ClientStatus === 'running') ctl.abort();
      }
    },
  }, ctl.signal);
  await nomad.jobs.purge(id);
  say(`purged job ${id}`);
}
