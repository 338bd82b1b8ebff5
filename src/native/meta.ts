// The job meta keys that keep what DevPod asked for of a devcontainer (user, image, working dir, labels), for
// `native find` to report back. Env-safe like the workspace keys (adapters/nomad/workspace-meta.ts: every meta key
// becomes NOMAD_META_<key> in the task, and nspawn refuses a name with a dot): the labels, whose names have dots
// (`devcontainer.metadata`), go in one key as a JSON object. Jobs made before (dotted keys, a key per label) are
// still read.
import type { NomadJob } from '../adapters/nomad/types.js';

export const DEVCONTAINER_META = {
  user: 'devcontainer_user',
  image: 'devcontainer_image',
  workdir: 'devcontainer_workdir',
  labels: 'devcontainer_labels',
  /** Set (to `dockerless`) when DevPod builds the devcontainer in the task (dockerless.ts). */
  build: 'devcontainer_build',
  /** Where the build info is kept in the workspace's volume, and DevPod's build context (DOCKERLESS_CONTEXT). */
  buildStash: 'devcontainer_build_stash',
  buildContext: 'devcontainer_build_context',
} as const;

const LEGACY = { user: 'devcontainer.user', image: 'devcontainer.image', workdir: 'devcontainer.workdir', label: 'devcontainer.label.' } as const;

export interface DevcontainerMeta {
  user?: string;
  image?: string;
  workdir?: string;
  /** DevPod's labels, `name=value` each. */
  labels: string[];
  /** Built in the task by DevPod's dockerless builder: where its build info is kept (none without a volume), its context. */
  dockerless?: { stash?: string; context?: string };
}

/** The meta entries for what DevPod asked for. */
export function devcontainerMeta(d: DevcontainerMeta): Record<string, string> {
  const meta: Record<string, string> = {};
  const labels = Object.fromEntries(
    d.labels.flatMap((label) => {
      const eq = label.indexOf('=');
      return eq > 0 ? [[label.slice(0, eq), label.slice(eq + 1)]] : [];
    }),
  );
  if (Object.keys(labels).length) meta[DEVCONTAINER_META.labels] = JSON.stringify(labels);
  if (d.user) meta[DEVCONTAINER_META.user] = d.user;
  if (d.image) meta[DEVCONTAINER_META.image] = d.image;
  if (d.workdir) meta[DEVCONTAINER_META.workdir] = d.workdir;
  if (d.dockerless) {
    meta[DEVCONTAINER_META.build] = 'dockerless';
    if (d.dockerless.stash) meta[DEVCONTAINER_META.buildStash] = d.dockerless.stash;
    if (d.dockerless.context) meta[DEVCONTAINER_META.buildContext] = d.dockerless.context;
  }
  return meta;
}

/** What a devcontainer job's meta says DevPod asked for, from either form. */
export function readDevcontainerMeta(job: Pick<NomadJob, 'Meta'>): Omit<DevcontainerMeta, 'labels'> & { labels: Record<string, string> } {
  const meta = job.Meta ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) if (k.startsWith(LEGACY.label)) labels[k.slice(LEGACY.label.length)] = v;
  const json = meta[DEVCONTAINER_META.labels];
  if (json) {
    try {
      const parsed: unknown = JSON.parse(json);
      if (parsed && typeof parsed === 'object') for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') labels[k] = v;
    } catch {
      // A label set someone edited by hand into something else: report the others, as docker would with none.
    }
  }
  return {
    labels,
    user: meta[DEVCONTAINER_META.user] ?? meta[LEGACY.user],
    image: meta[DEVCONTAINER_META.image] ?? meta[LEGACY.image],
    workdir: meta[DEVCONTAINER_META.workdir] ?? meta[LEGACY.workdir],
    dockerless:
      meta[DEVCONTAINER_META.build] === 'dockerless'
        ? { stash: meta[DEVCONTAINER_META.buildStash], context: meta[DEVCONTAINER_META.buildContext] }
        : undefined,
  };
}
