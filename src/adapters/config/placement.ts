// Schema of the Placement group (catalog/workspace.ts PLACEMENT): where the workspace may run, and the devices it
// needs. load.ts calls these readers in the order problems are listed.
import * as z from './zod.js';
import { parseNonNegativeInt } from './parse.js';
import type { OptionReader } from './reader.js';

export const CONSTRAINT_OPERATORS = [
  '=',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  'regexp',
  'set_contains',
  'set_contains_any',
  'version',
  'semver',
  'is_set',
  'is_not_set',
  'distinct_hosts',
  'distinct_property',
] as const;

export interface Constraint {
  attribute: string;
  operator: string;
  value: string;
}
export interface Gpu {
  count: number;
  name: string;
  model?: string;
}

const constraintsSchema = () => z.array(z.object({ attribute: z.string(), operator: z.optional(z.string()), value: z.optional(z.string()) }));

/** Datacenters, node pool and constraints. */
export function readPlacement(r: OptionReader): { datacenters: string[]; nodePool?: string; constraints: Constraint[] } {
  const constraints = (
    r.json(
      'NOMAD_CONSTRAINTS',
      'a JSON list of {"attribute", "operator", "value"}, e.g. [{"attribute": "${attr.kernel.name}", "value": "linux"}]',
      constraintsSchema,
    ) ?? []
  ).map((c) => ({
    attribute: c.attribute,
    operator: c.operator ?? '=',
    value: c.value ?? '',
  }));
  constraints.forEach((c, i) => {
    if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(c.operator))
      r.problems.push(
        `NOMAD_CONSTRAINTS[${i}].operator=${JSON.stringify(c.operator)} is not valid: expected one of ${CONSTRAINT_OPERATORS.join(', ')}`,
      );
  });
  return {
    datacenters: r
      .text('NOMAD_DATACENTERS', '*')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    nodePool: r.text('NOMAD_NODE_POOL') || undefined,
    constraints,
  };
}

export function readGpu(r: OptionReader): Gpu | undefined {
  const gpuCount = r.get('NOMAD_GPU_COUNT', 'a whole number of GPUs (0 for none)', parseNonNegativeInt, 0);
  const gpu =
    gpuCount > 0 ? { count: gpuCount, name: r.text('NOMAD_GPU_NAME', 'nvidia/gpu'), model: r.text('NOMAD_GPU_MODEL') || undefined } : undefined;
  if (gpu && !/^[a-z0-9_-]+(\/[a-z0-9_-]+){0,2}$/i.test(gpu.name))
    r.problems.push(r.describe('NOMAD_GPU_NAME', gpu.name, 'a device name: type, vendor/type or vendor/type/model, e.g. nvidia/gpu'));
  return gpu;
}
