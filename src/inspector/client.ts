/// <reference lib="dom" />
// Browser side of the inspector: reads /events with fetch and parses the Server-Sent Events with eventsource-parser,
// then draws, per workspace, the machine with the current state highlighted, the reason, and the timeline.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

interface GState {
  id: string;
  parent?: string;
  transient: boolean;
}
interface GTransition {
  from: string;
  to: string;
  label: string;
}
interface Step {
  jobId: string;
  from: string;
  event: string;
  to: string;
  reason?: string;
  index: number;
  at: number;
}
/** A workspace as the feed sends it (feed.ts InspectedWorkspace). */
interface InspectedWorkspace {
  jobId: string;
  state: string;
  reason?: string;
  steps: Step[];
}

let graph: { states: GState[]; transitions: GTransition[] } = { states: [], transitions: [] };
const views = new Map<string, InspectedWorkspace>();

// Lifecycle order left to right; failure states on a second row.
const ROW1 = ['hydrating', 'pending', 'scheduled', 'running', 'stopping', 'stopped', 'notFound'];
const ROW2 = ['restarting', 'failed', 'unreachable'];

function position(id: string): [number, number] | undefined {
  const i = ROW1.indexOf(id);
  if (i >= 0) return [20 + i * 120, 30];
  const j = ROW2.indexOf(id);
  return j >= 0 ? [260 + j * 160, 120] : undefined;
}

function diagram(view: InspectedWorkspace): string {
  const visited = new Set(view.steps.flatMap((s) => [s.from, s.to]));
  const leaves = graph.states.filter((s) => !s.transient && !graph.states.some((c) => c.parent === s.id));
  const boxes = leaves.map((s) => {
    const p = position(s.id);
    if (!p) return '';
    const fill = s.id === view.state ? '#ffd43b' : visited.has(s.id) ? '#d3f9d8' : '#f8f9fa';
    return (
      `<g data-state="${s.id}" class="${s.id === view.state ? 'current' : ''}"><rect x="${p[0]}" y="${p[1]}" width="104" height="34" rx="8" fill="${fill}" stroke="#495057"/>` +
      `<text x="${p[0] + 52}" y="${p[1] + 21}" text-anchor="middle">${s.id}</text></g>`
    );
  });
  const taken = new Set(view.steps.map((s) => `${s.from}>${s.to}`));
  const lines = [...taken].map((k) => {
    const [a, b] = k.split('>') as [string, string];
    const pa = position(a);
    const pb = position(b);
    if (!pa || !pb || a === b) return '';
    return `<line x1="${pa[0] + 52}" y1="${pa[1] + 17}" x2="${pb[0] + 52}" y2="${pb[1] + 17}" stroke="#2b8a3e" stroke-width="2" marker-end="url(#arrow)" opacity="0.6"/>`;
  });
  return `<svg width="880" height="170" role="img" aria-label="workspace machine"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#2b8a3e"/></marker></defs>${lines.join('')}${boxes.join('')}</svg>`;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function render(): void {
  const root = document.getElementById('workspaces')!;
  root.innerHTML = [...views.values()]
    .map(
      (v) => `
    <section class="ws" data-job="${esc(v.jobId)}">
      <h2>${esc(v.jobId)}: <span class="state">${esc(v.state)}</span></h2>
      ${v.reason ? `<p class="reason">${esc(v.reason)}</p>` : ''}
      ${diagram(v)}
      <table><thead><tr><th>time</th><th>from</th><th>event</th><th>to</th><th>index</th><th>reason</th></tr></thead><tbody>
      ${v.steps.map((s) => `<tr class="step"><td>${new Date(s.at).toISOString().slice(11, 23)}</td><td>${esc(s.from)}</td><td>${esc(s.event)}</td><td class="to">${esc(s.to)}</td><td>${s.index}</td><td>${esc(s.reason ?? '')}</td></tr>`).join('')}
      </tbody></table>
    </section>`,
    )
    .join('');
}

function onMessage(m: EventSourceMessage): void {
  const data = JSON.parse(m.data);
  if (m.event === 'hello') {
    graph = data.graph;
    views.clear();
    for (const w of data.workspaces as InspectedWorkspace[]) views.set(w.jobId, w);
  } else if (m.event === 'step') {
    const s = data as Step;
    const v = views.get(s.jobId) ?? { jobId: s.jobId, state: s.to, steps: [] };
    v.state = s.to;
    v.reason = s.reason;
    v.steps.push(s);
    views.set(s.jobId, v);
  }
  render();
}

async function connect(): Promise<void> {
  const status = document.getElementById('status')!;
  for (;;) {
    try {
      const res = await fetch('/events', { headers: { Accept: 'text/event-stream' } });
      status.textContent = 'live';
      const parser = createParser({ onEvent: onMessage });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // inspector restarting or gone
    }
    status.textContent = 'disconnected; retrying…';
    await new Promise((r) => setTimeout(r, 1000));
  }
}

void connect();
