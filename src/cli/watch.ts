// `watch`: the inspector's feed in the terminal, one line per transition. Reads the Server-Sent Events of a running
// inspector (--url), or of one it starts in this process, and parses them with eventsource-parser.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Step } from '../machines/steps.js';
import { startInspector, untilInterrupted } from './inspect.js';

export function formatStep(s: Step): string {
  const time = new Date(s.at).toISOString().slice(11, 23);
  return `${time} ${s.jobId} ${s.from} → ${s.to} (${s.event.startsWith('xstate.') ? s.event.split('.').slice(0, 3).join('.') : s.event} @${s.index})${s.reason ? ` ${s.reason}` : ''}`;
}

export async function watch(names: string[], opts: { url?: string }): Promise<void> {
  const local = opts.url ? undefined : await startInspector(names, 0);
  const base = opts.url ?? local!.server.url;
  const ctl = new AbortController();
  const interrupted = untilInterrupted().then(() => ctl.abort());
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      const data = JSON.parse(m.data);
      if (m.event === 'hello') {
        for (const w of data.workspaces as { jobId: string; state: string; reason?: string }[]) {
          process.stdout.write(`${w.jobId} is ${w.state}${w.reason ? ` (${w.reason})` : ''}\n`);
        }
      } else if (m.event === 'step' && (data as Step).from !== (data as Step).to) process.stdout.write(`${formatStep(data as Step)}\n`);
    },
  });
  try {
    const res = await fetch(new URL('events', base), { signal: ctl.signal, headers: { Accept: 'text/event-stream' } });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  } catch (err) {
    if (!ctl.signal.aborted) throw err;
  } finally {
    local?.feed.stop();
    await local?.server.close();
    void interrupted;
  }
}
