// DEVCONTAINER_RUN_OPTIONS, DevPod's driver.RunOptions as its local agent hands them to `native run`: read and
// checked at the door, and what of them this driver cannot carry. devcontainer.ts builds the job from them.
import * as z from '../adapters/config/zod.js';
import { WorkspaceError } from '../workspace/errors.js';

/** DEVCONTAINER_RUN_OPTIONS, as DevPod's driver.RunOptions marshals it (built when `native run` reads them). */
const runOptionsSchema = () =>
  z.object({
    uid: z.optional(z.string()),
    image: z.optional(z.string()),
    user: z.optional(z.string()),
    entrypoint: z.optional(z.string()),
    cmd: z.optional(z.nullable(z.array(z.string()))),
    env: z.optional(z.nullable(z.record(z.string(), z.string()))),
    capAdd: z.optional(z.nullable(z.array(z.string()))),
    securityOpt: z.optional(z.nullable(z.array(z.string()))),
    labels: z.optional(z.nullable(z.array(z.string()))),
    privileged: z.optional(z.nullable(z.boolean())),
    init: z.optional(z.nullable(z.boolean())),
    workspaceMount: z.optional(
      z.nullable(z.object({ type: z.optional(z.string()), source: z.optional(z.string()), target: z.optional(z.string()) })),
    ),
    mounts: z.optional(
      z.nullable(z.array(z.object({ type: z.optional(z.string()), source: z.optional(z.string()), target: z.optional(z.string()) }))),
    ),
  });
export type RunOptions = z.infer<ReturnType<typeof runOptionsSchema>>;

export function parseRunOptions(text: string | undefined): RunOptions {
  if (!text?.trim())
    throw new WorkspaceError('DEVCONTAINER_RUN_OPTIONS is not set: DevPod sets it when its agent runs a devcontainer with this provider');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorkspaceError(`DEVCONTAINER_RUN_OPTIONS is not valid JSON (${(err as Error).message}): expected DevPod's run options`);
  }
  const parsed = runOptionsSchema().safeParse(value);
  if (!parsed.success)
    throw new WorkspaceError(
      `DEVCONTAINER_RUN_OPTIONS does not look like DevPod's run options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * Whether DevPod runs its dockerless builder (single.go getDockerlessRunOptions): a devcontainer with a Dockerfile or
 * features and no prebuilt image. DevPod starts it with its own entrypoint and DOCKERLESS=true, whatever image
 * DOCKERLESS_IMAGE names; inside, kaniko turns the task's root filesystem into the devcontainer's.
 */
export const isDockerless = (opts: RunOptions): boolean => opts.entrypoint === DOCKERLESS_ENTRYPOINT || opts.env?.DOCKERLESS === 'true';
export const DOCKERLESS_ENTRYPOINT = '/.dockerless/dockerless';

/**
 * What `native run` refuses before submitting anything. A Dockerfile build needs a driver that runs images (docker,
 * podman): exec and raw_exec would start a command that is not there. A privileged container (devcontainer.json
 * `privileged`, which the repository writes) is root on the node: only the person's NOMAD_ALLOW_PRIVILEGED allows it.
 * And nspawn runs no devcontainer at all: it boots a systemd root, not an image's entrypoint.
 */
export function assertRunnable(opts: RunOptions, cfg: { driver: string; allowPrivileged: boolean }): void {
  const { driver } = cfg;
  if (driver === 'nspawn')
    throw new WorkspaceError(
      "native mode cannot run on NOMAD_DRIVER=nspawn: DevPod hands it an OCI image with an entrypoint to run as the container's process, and the nspawn driver boots a systemd root filesystem instead. " +
        'Use the machine provider (nomad) with nspawn, or NOMAD_DRIVER=docker or podman.',
    );
  if ((driver === 'exec' || driver === 'raw_exec') && (isDockerless(opts) || opts.image?.includes('loft-sh/dockerless'))) {
    throw new WorkspaceError(
      `this devcontainer is built from a Dockerfile, which DevPod does inside the task with its dockerless image; NOMAD_DRIVER=${driver} does not run images. ` +
        'Use a prebuilt image ("image" in devcontainer.json, or devpod up --prebuild-repository), or NOMAD_DRIVER=docker or podman.',
    );
  }
  if (opts.privileged && !cfg.allowPrivileged) {
    throw new WorkspaceError(
      'the devcontainer asks for a privileged container (devcontainer.json "privileged": true), which is root on the Nomad node; refused. ' +
        'Remove "privileged" from devcontainer.json (DevPod builds Dockerfiles without it), or allow it with NOMAD_ALLOW_PRIVILEGED=true in your own provider options.',
    );
  }
  if (opts.privileged && driver !== 'docker') {
    throw new WorkspaceError(
      `the devcontainer asks for a privileged container (devcontainer.json "privileged": true); NOMAD_DRIVER=${driver} cannot run one here: use NOMAD_DRIVER=docker.`,
    );
  }
}

type Mount = NonNullable<RunOptions['mounts']>[number];
const isNamedVolume = (m: Mount): m is Mount & { source: string; target: string } => m.type === 'volume' && Boolean(m.source && m.target);
export const namedVolumes = (opts: RunOptions) => (opts.mounts ?? []).filter(isNamedVolume);

/**
 * The run options' mounts that are not carried, each with why: bind mounts name paths on DevPod's machine, not on
 * the Nomad client (the workspace folder itself is copied in by `run`). Named volumes: named-volumes.ts.
 */
export function skippedMounts(opts: RunOptions): string[] {
  return (opts.mounts ?? [])
    .filter((m) => !isNamedVolume(m))
    .map(
      (m) =>
        `${m.type ?? 'bind'} mount ${m.source ?? '?'} → ${m.target ?? '?'} is not carried: ${m.type === 'volume' ? 'a volume needs a source and a target' : "a bind mount names a path on DevPod's machine, not on the Nomad client"}`,
    );
}
