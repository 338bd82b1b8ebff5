// The workspace machine as data (states and transitions, read from the machine definition itself, so no drawn copy
// can drift), as Mermaid, and the bookkeeping that marks which transitions a run actually took.
import type { AnyStateNode } from 'xstate';
import { workspaceMachine } from './workspace.js';

export interface GraphState {
  id: string;
  parent?: string;
  initial: boolean;
  transient: boolean;
}
export interface GraphTransition {
  from: string;
  to: string;
  label: string;
  key: string;
}
export interface MachineGraph {
  states: GraphState[];
  transitions: GraphTransition[];
}

/** `workspace.observing.running` → `running`; top-level states keep their name. */
const short = (id: string) => id.split('.').slice(-1)[0]!;

function label(event: string, guard: unknown): string {
  if (event.startsWith('xstate.done.actor')) return 'state read';
  if (event.startsWith('xstate.error.actor')) return 'read failed';
  if (event.startsWith('xstate.after.')) return `after ${event.split('.')[2]}`;
  const g = guard as { params?: { phase?: string } } | undefined;
  if (event === '' && g?.params?.phase) return `phase = ${g.params.phase}`;
  return event;
}

export function machineGraph(root: AnyStateNode = workspaceMachine.root): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: AnyStateNode, parent?: AnyStateNode) => {
    if (parent) {
      const initial = parent.config.initial === node.key;
      states.push({ id: short(node.id), parent: parent === root ? undefined : short(parent.id), initial, transient: (node.always?.length ?? 0) > 0 });
    }
    const add = (event: string, targets: readonly AnyStateNode[] | undefined, guard: unknown) => {
      for (const t of targets ?? []) {
        const from = short(node.id);
        const to = short(t.id);
        const l = label(event, guard);
        transitions.push({ from, to, label: l, key: `${from}|${l}|${to}` });
      }
    };
    for (const [event, defs] of node.transitions) for (const d of defs) add(event, d.target, d.guard);
    for (const d of node.always ?? []) add('', d.target, d.guard);
    for (const child of Object.values(node.states)) visit(child, node);
  };
  visit(root);
  return { states, transitions };
}

/** The graph edges one observed step (leaf state, event, leaf state) went through. */
export function edgesOf(graph: MachineGraph, from: string, event: string, to: string): string[] {
  const l = label(event, undefined);
  const direct = graph.transitions.find((t) => t.from === from && t.label === l && t.to === to);
  if (direct) return [direct.key];
  const parent = graph.states.find((s) => s.id === from)?.parent;
  const viaParent = graph.transitions.find((t) => (t.from === from || t.from === parent) && t.label === l);
  if (!viaParent) return [];
  if (viaParent.to === to) return [viaParent.key];
  // Through a transient state (route): the event edge, then the eventless edge out of it.
  const onward = graph.transitions.find((t) => t.from === viaParent.to && t.to === to && t.label.startsWith('phase = '));
  return onward ? [viaParent.key, onward.key] : [viaParent.key];
}

export interface MermaidOptions {
  /** Transition keys to mark as taken (✓) and state ids to colour. */
  visitedTransitions?: Set<string>;
  visitedStates?: Set<string>;
  current?: string;
}

export function toMermaid(graph: MachineGraph, o: MermaidOptions = {}): string {
  const lines = ['stateDiagram-v2'];
  const edge = (t: GraphTransition, indent: string) => {
    const mark = o.visitedTransitions ? (o.visitedTransitions.has(t.key) ? ' ✓' : ' ✗') : '';
    lines.push(`${indent}${t.from} --> ${t.to}: ${t.label}${mark}`);
  };
  const top = graph.states.filter((s) => !s.parent);
  for (const s of top.filter((x) => x.initial)) lines.push(`  [*] --> ${s.id}`);
  for (const s of top) {
    const children = graph.states.filter((c) => c.parent === s.id);
    if (children.length === 0) continue;
    lines.push(`  state ${s.id} {`);
    for (const c of children.filter((x) => x.initial)) lines.push(`    [*] --> ${c.id}`);
    for (const t of graph.transitions.filter((x) => children.some((c) => c.id === x.from))) edge(t, '    ');
    lines.push('  }');
  }
  for (const t of graph.transitions.filter((x) => top.some((s) => s.id === x.from))) {
    // Events on the composite state that re-enter its own child (route) are drawn as a loop on the composite.
    if (graph.states.find((s) => s.id === t.to)?.parent === t.from) edge({ ...t, to: t.from, label: `${t.label} (re-derive)` }, '  ');
    else edge(t, '  ');
  }
  if (o.visitedStates) {
    lines.push('  classDef visited fill:#d3f9d8,stroke:#2b8a3e', '  classDef unvisited fill:#ffe3e3,stroke:#c92a2a');
    for (const s of graph.states.filter((x) => !graph.states.some((c) => c.parent === x.id)))
      lines.push(`  class ${s.id} ${o.visitedStates.has(s.id) ? 'visited' : 'unvisited'}`);
  }
  if (o.current) lines.push('  classDef current fill:#ffd43b,stroke:#e67700', `  class ${o.current} current`);
  return `${lines.join('\n')}\n`;
}
