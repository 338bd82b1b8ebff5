// Nomad's placement metrics (an evaluation's or a plan's FailedTGAllocs) in plain sentences.
import type { AllocationMetric } from '../adapters/nomad/types.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** "1 node lacks", "2 nodes lack" */
const nodesVerb = (n: number, verb: string) => `${plural(n, 'node')} ${n === 1 ? `${verb}s` : verb}`;

/** Driver capabilities the job builder constrains on (see jobspec/drivers.ts needConstraints). */
const CAPABILITIES: Record<string, string> = {
  'driver.docker.volumes.enabled': "docker host mounts (the client's docker plugin needs volumes { enabled = true })",
  'driver.docker.privileged.enabled': "privileged docker containers (the client's docker plugin needs allow_privileged = true)",
};

function constraintSentence(constraint: string, nodes: number, m: AllocationMetric, drivers?: string[]): string {
  if (constraint === 'missing drivers') {
    const which = drivers?.length ? `the ${drivers.join('/')} driver` : 'the task driver';
    return nodes >= (m.NodesEvaluated ?? 0) && nodes > 0
      ? `no node has ${which} (${plural(nodes, 'node')} checked)`
      : `${nodesVerb(nodes, 'lack')} ${which}`;
  }
  const capability = Object.entries(CAPABILITIES).find(([attr]) => constraint.includes(`attr.${attr}}`))?.[1];
  if (capability) return `${plural(nodes, 'node')} without ${capability}`;
  const driver = /\$\{?attr\.driver\.([\w-]+)\}?/.exec(constraint)?.[1];
  if (driver) return `${nodesVerb(nodes, 'lack')} the ${driver} driver`;
  // The implicit constraint of a job with a vault block: the client fingerprints its Vault (sys/seal-status).
  if (constraint.includes('attr.vault.version'))
    return `${plural(nodes, 'node')} without a reachable Vault (the client's vault block names none, or Vault did not answer when the client checked)`;
  if (constraint.startsWith('missing devices') || constraint.includes('device')) return `${nodesVerb(nodes, 'lack')} a matching device (GPU)`;
  if (constraint.startsWith('missing compatible host volumes')) return `${nodesVerb(nodes, 'lack')} the requested host volume`;
  if (constraint.startsWith('missing CSI')) return `${nodesVerb(nodes, 'lack')} the CSI plugin or volume`;
  return `${plural(nodes, 'node')} filtered out by constraint ${constraint}`;
}

/**
 * One sentence per task group explaining why Nomad could not place it. `drivers` (the job's task drivers, when
 * known) lets a missing-driver failure name the driver.
 */
export function describePlacementFailure(
  failed: Record<string, AllocationMetric> | null | undefined,
  ctx: { drivers?: string[] } = {},
): string | undefined {
  if (!failed) return undefined;
  const parts: string[] = [];
  for (const [group, m] of Object.entries(failed)) {
    const reasons: string[] = [];
    if ((m.NodesEvaluated ?? 0) === 0 && (m.NodesInPool ?? 0) === 0) {
      const dcs = Object.keys(m.NodesAvailable ?? {});
      reasons.push(`no client node is available${dcs.length ? ` in datacenter(s) ${dcs.join(', ')}` : ''} (check datacenters and node pool)`);
    }
    for (const [c, n] of Object.entries(m.ConstraintFiltered ?? {})) reasons.push(constraintSentence(c, n, m, ctx.drivers));
    for (const [c, n] of Object.entries(m.ClassFiltered ?? {})) reasons.push(`${plural(n, 'node')} of class ${c} filtered`);
    for (const [dim, n] of Object.entries(m.DimensionExhausted ?? {})) {
      const what = dim.startsWith('devices') ? `devices (${dim.replace(/^devices:\s*/, '')})` : `${dim}`;
      reasons.push(`${plural(n, 'node')} without enough ${what}`);
    }
    for (const q of m.QuotaExhausted ?? []) reasons.push(`quota exhausted: ${q}`);
    if (reasons.length === 0) reasons.push(`${plural(m.NodesEvaluated ?? 0, 'node')} evaluated, none could take it`);
    parts.push(`task group "${group}" cannot be placed: ${reasons.join('; ')}`);
  }
  return parts.length ? parts.join('. ') : undefined;
}
