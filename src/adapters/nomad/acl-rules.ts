// What a Nomad ACL token may do, worked out from its policies' rules as Nomad 1.11 does (acl/acl.go NewACL,
// acl/policy.go expandNamespacePolicy), so `init` can name a missing capability before anything is submitted.
// Nomad has no endpoint that answers "may this token exec?" without an allocation to try it on. The rules' text is
// read by acl-hcl.ts.
import { children, parseRules, strings } from './acl-hcl.js';

/** A namespace's fine-grained capabilities, and what the shorthand policies expand to (Nomad v1.11.2). */
const NS_READ = [
  'list-jobs',
  'parse-job',
  'read-job',
  'csi-list-volume',
  'csi-read-volume',
  'read-job-scaling',
  'list-scaling-policies',
  'read-scaling-policy',
  'host-volume-read',
];
const NS_WRITE = [
  ...NS_READ,
  'scale-job',
  'submit-job',
  'dispatch-job',
  'read-logs',
  'read-fs',
  'alloc-exec',
  'alloc-lifecycle',
  'csi-mount-volume',
  'csi-write-volume',
  'submit-recommendation',
  'host-volume-create',
];
const NS_SCALE = ['list-scaling-policies', 'read-scaling-policy', 'read-job-scaling', 'scale-job', 'read-job', 'submit-recommendation'];
const NS_IMPLIED: Record<string, string[]> = {
  'host-volume-write': ['host-volume-register', 'host-volume-create', 'host-volume-delete', 'host-volume-read'],
  'host-volume-register': ['host-volume-create', 'host-volume-read'],
  'host-volume-create': ['host-volume-read'],
};
const HV_POLICY: Record<string, string[]> = { read: ['mount-readonly'], write: ['mount-readonly', 'mount-readwrite'], deny: ['deny'] };

/** One thing a command needs from the token. */
export type Need =
  | { scope: 'namespace'; name: string; capability: string; why: string }
  | { scope: 'host_volume'; name: string; capability: 'mount-readonly' | 'mount-readwrite'; why: string }
  /** A Nomad Variables path in a namespace: `namespace "ns" { variables { path "…" { capabilities = [...] } } }`. */
  | { scope: 'variables'; namespace: string; path: string; capability: 'read' | 'list' | 'write' | 'destroy'; why: string }
  | { scope: 'node' | 'agent' | 'plugin'; capability: 'read'; why: string };

/** Capabilities per rule name (namespace or host volume glob; `<namespace>\0<path>` for variables), and the coarse policies. */
export interface Grants {
  namespaces: Map<string, Set<string>>;
  hostVolumes: Map<string, Set<string>>;
  variables: Map<string, Set<string>>;
  coarse: { node: Set<string>; agent: Set<string>; plugin: Set<string> };
}

export const emptyGrants = (): Grants => ({
  namespaces: new Map(),
  hostVolumes: new Map(),
  variables: new Map(),
  coarse: { node: new Set(), agent: new Set(), plugin: new Set() },
});

/** Nomad's expandVariablesCapabilities: deny alone stands, read brings list. */
function variableCapabilities(caps: string[]): string[] {
  if (caps.includes('deny')) return ['deny'];
  return caps.includes('read') && !caps.includes('list') ? [...caps, 'list'] : caps;
}

/** Merges one policy's rules into `grants`: capabilities add up across policies, and deny wins. */
export function addRules(grants: Grants, rules: string): Grants {
  const put = (map: Map<string, Set<string>>, name: string, caps: string[]) => {
    const set = map.get(name) ?? new Set<string>();
    map.set(name, set);
    if (set.has('deny')) return;
    if (caps.includes('deny')) {
      set.clear();
      set.add('deny');
      return;
    }
    for (const c of caps) set.add(c);
  };
  for (const b of parseRules(rules)) {
    const policy = typeof b.attrs.policy === 'string' ? b.attrs.policy : '';
    if (b.type === 'namespace') {
      const shorthand =
        policy === 'read' ? NS_READ : policy === 'write' ? NS_WRITE : policy === 'scale' ? NS_SCALE : policy === 'deny' ? ['deny'] : [];
      const caps = [...shorthand, ...strings(b.attrs.capabilities)];
      put(grants.namespaces, b.labels[0] ?? 'default', [...caps, ...caps.flatMap((c) => NS_IMPLIED[c] ?? [])]);
      // Variables rules add up across policies, and a deny in one does not take another's grant away: Nomad 1.11
      // (acl.go NewACL) unions the sets and asks only whether the operation is in it. A namespace deny does not
      // reach them either.
      for (const v of children(b, 'variables', false)) {
        for (const p of children(v, 'path', true)) {
          const key = `${b.labels[0] ?? 'default'}\0${p.labels[0] ?? ''}`;
          const set = grants.variables.get(key) ?? new Set<string>();
          for (const c of variableCapabilities(strings(p.attrs.capabilities))) set.add(c);
          grants.variables.set(key, set);
        }
      }
    } else if (b.type === 'host_volume') {
      put(grants.hostVolumes, b.labels[0] ?? '*', [...(HV_POLICY[policy] ?? []), ...strings(b.attrs.capabilities)]);
    } else if (b.type === 'node' || b.type === 'agent' || b.type === 'plugin') {
      const set = grants.coarse[b.type];
      if (policy === 'deny') {
        set.clear();
        set.add('deny');
      } else if (!set.has('deny') && (policy === 'read' || policy === 'write' || policy === 'list')) {
        set.add(policy === 'list' ? 'list' : 'read');
      }
    }
  }
  return grants;
}

/** Nomad's glob: `*` matches any run of characters. */
const globMatch = (pattern: string, name: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(name);

/** The rule that applies to `name`: an exact one, else the closest glob (Nomad's findClosestMatchingGlob). */
function closest(map: Map<string, Set<string>>, name: string): Set<string> | undefined {
  const exact = map.get(name);
  if (exact) return exact;
  const globs = [...map.entries()]
    .filter(([pattern]) => pattern.includes('*') && globMatch(pattern, name))
    .map(([pattern, caps]) => ({ caps, difference: name.length - pattern.length + (pattern.match(/\*/g)?.length ?? 0) }))
    .sort((a, b) => a.difference - b.difference);
  return globs[0]?.caps;
}

/** The needs the grants do not cover. */
export function missingNeeds(grants: Grants, needs: Need[]): Need[] {
  return needs.filter((n) => {
    if (n.scope === 'variables') return !closest(grants.variables, `${n.namespace}\0${n.path}`)?.has(n.capability);
    if (n.scope === 'namespace' || n.scope === 'host_volume') {
      const caps = closest(n.scope === 'namespace' ? grants.namespaces : grants.hostVolumes, n.name);
      return !caps || caps.has('deny') || !caps.has(n.capability);
    }
    return !grants.coarse[n.scope].has('read');
  });
}

/** How a need reads in an error message. */
export function describeNeed(n: Need): string {
  if (n.scope === 'namespace') return `"${n.capability}" in namespace "${n.name}" (${n.why})`;
  if (n.scope === 'variables') return `"${n.capability}" on variables path "${n.path}" in namespace "${n.namespace}" (${n.why})`;
  if (n.scope === 'host_volume')
    return `host_volume "${n.name}" ${n.capability === 'mount-readwrite' ? 'policy "write"' : 'policy "read"'} (${n.why})`;
  return `${n.scope} policy "read" (${n.why})`;
}
