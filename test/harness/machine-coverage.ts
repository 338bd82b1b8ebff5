// Coverage of the workspace machine by the test suite: which states and transitions the tests drove, written as a
// test artifact (a Mermaid diagram with taken transitions marked ✓ and untaken ✗, and the lists), and a failure
// when a state is never reached.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { edgesOf, machineGraph, toMermaid } from '../../src/machines/diagram.js';

export const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
export const STEPS_DIR = join(ARTIFACTS, 'machine-steps');

export function resetCoverage(): void {
  rmSync(STEPS_DIR, { recursive: true, force: true });
}

/** Writes test-artifacts/machine-coverage.md; returns the states never reached. */
export function writeCoverageReport(): string[] {
  const graph = machineGraph();
  const states = new Set<string>();
  const edges = new Set<string>();
  let count = 0;
  if (existsSync(STEPS_DIR)) {
    for (const f of readdirSync(STEPS_DIR)) {
      for (const line of readFileSync(join(STEPS_DIR, f), 'utf8').split('\n')) {
        if (!line) continue;
        const s = JSON.parse(line) as { from: string; event: string; to: string };
        count++;
        states.add(s.from).add(s.to);
        for (const e of edgesOf(graph, s.from, s.event, s.to)) edges.add(e);
        // Reaching any child of a composite state means its initial (transient) child was passed through.
        if (s.from === 'hydrating' && s.to !== 'unreachable') states.add('observing');
      }
    }
  }
  for (const t of graph.transitions) if (edges.has(t.key)) states.add(t.to);
  const leaves = graph.states.filter((s) => !graph.states.some((c) => c.parent === s.id));
  const unreached = leaves.filter((s) => !states.has(s.id)).map((s) => s.id);
  const untaken = graph.transitions.filter((t) => !edges.has(t.key));
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(
    join(ARTIFACTS, 'machine-coverage.md'),
    `# Workspace machine coverage\n\nFrom ${count} steps recorded across the test suite (unit tests and the real-agent integration tests).\n\n` +
      `\`\`\`mermaid\n${toMermaid(graph, { visitedTransitions: edges, visitedStates: states })}\`\`\`\n\n` +
      `States reached: ${leaves.length - unreached.length} of ${leaves.length}${unreached.length ? `; never reached: ${unreached.join(', ')}` : ''}.\n\n` +
      `Transitions taken: ${graph.transitions.length - untaken.length} of ${graph.transitions.length}.\n` +
      (untaken.length ? `\nNever taken:\n${untaken.map((t) => `- ${t.from} → ${t.to} (${t.label})`).join('\n')}\n` : ''),
  );
  return unreached;
}
