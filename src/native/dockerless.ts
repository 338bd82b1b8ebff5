// DevPod's dockerless builder in native mode. For a devcontainer with a Dockerfile or features and no prebuilt
// image, DevPod runs its dockerless image as the task (`/.dockerless/dockerless start --wait …`, DOCKERLESS=true),
// injects its agent through `native command`, and the agent's setup runs `/.dockerless/dockerless build` (kaniko):
// the FROM image is unpacked over the task's own root filesystem and the RUN steps run in it; `start` then execs the
// devcontainer's entrypoint as its user. The build context is the workspace folder `native run` copied in; DevPod's
// build info (its Dockerfile and the features, `<context>/.devpod-internal`) is moved after the build to
// /workspaces/.dockerless, the `dockerless-<id>` volume of the run options.
//
// A new allocation (devpod stop then up, a failed task started again, --recreate) starts from the bare builder
// image again, and DevPod's next `devpod up` builds again from that build info. So the job keeps it where it lasts
// as long as the workspace's files: `native run` copies it into the workspace's Nomad volume (`stashPath`), and the
// task's start restores it into the context when neither the context nor /workspaces/.dockerless has it (a few KB;
// it stays in the volume after delete, as the workspace folder does: DevPod stops the task before it deletes). The
// `dockerless-<id>` volume itself is a tmpfs of the task, gone with it: no Docker volume is left on the node.
// And until a build has run in the allocation, `native find` says the devcontainer is not running (DevPod: Busy),
// never Running with the builder's bare root.
import { posix } from 'node:path';
import type { ProviderConfig } from '../adapters/config/index.js';
import { fileSafe, shQuote as q } from './sh.js';

/** Where DevPod keeps its build info across the build (config.DevPodDockerlessBuildInfoFolder). */
export const BUILD_INFO_MOUNT = '/workspaces/.dockerless';
/** What dockerless writes once the build has run (agent.DefaultImageConfigPath): the built image's config. */
export const IMAGE_CONFIG = '/.dockerless/image.json';
/** DevPod's build info folder inside the build context (config.DevPodContextFeatureFolder). */
const CONTEXT_FOLDER = '.devpod-internal';
/** The dockerless image's shell: busybox, under /.dockerless/bin (DevPod starts its own entrypoint with it too). */
export const DOCKERLESS_SHELL = '/.dockerless/bin/sh';

/** Where the build info is kept for the workspace's later allocations: its Nomad volume; none without one. */
export function stashPath(devcontainerId: string, cfg: Pick<ProviderConfig, 'volume'>): string | undefined {
  if (!cfg.volume || cfg.volume.readOnly) return undefined;
  return posix.join(cfg.volume.mount, `.devpod-dockerless-${fileSafe(devcontainerId)}`);
}

/**
 * The task's main process: restores the build info from `stash` when this allocation has not built yet and DevPod's
 * folders lack it, then execs DevPod's entrypoint and command unchanged. No braces: Nomad reads `${…}` in driver
 * config as its own interpolation.
 */
export function restoreThenExec(stash: string | undefined, entrypoint: string, cmd: string[]): { command: string; args: string[] } {
  if (!stash) return { command: entrypoint, args: cmd };
  const script = [
    `s=${q(stash)}`,
    'c="$DOCKERLESS_CONTEXT"',
    `if [ ! -e ${IMAGE_CONFIG} ] && [ -n "$c" ] && [ -d "$s" ] && [ ! -d "$c/${CONTEXT_FOLDER}" ] && [ ! -d ${BUILD_INFO_MOUNT}/${CONTEXT_FOLDER} ]; then ` +
      `mkdir -p "$c" && cp -a "$s" "$c/${CONTEXT_FOLDER}" && echo "devpod-provider-nomad: restored DevPod's build info from $s: the next devpod up builds the devcontainer again" >&2; fi`,
    'exec "$@"',
  ].join('; ');
  return { command: DOCKERLESS_SHELL, args: ['-c', script, 'sh', entrypoint, ...cmd] };
}

/**
 * sh script for `native run`, before it copies the workspace in: the task's start may have restored an earlier run's
 * build info (a workspace deleted and made again keeps its stash in a shared volume); the copy brings this run's,
 * and no file of the old may stay beside it.
 */
export const clearBuildInfoScript = (context: string) => `rm -rf ${q(`${context}/${CONTEXT_FOLDER}`)}`;

/** sh script for `native run`: keeps DevPod's build info from the context (just copied in) at `stash`. */
export const stashScript = (context: string, stash: string) =>
  `if [ -d ${q(`${context}/${CONTEXT_FOLDER}`)} ]; then rm -rf ${q(stash)} && cp -a ${q(`${context}/${CONTEXT_FOLDER}`)} ${q(stash)}; fi`;

/** argv whose exit code says whether the build has run in this allocation (0) or not (1). No shell needed. */
export const builtCheck = (): string[] => ['/.dockerless/bin/test', '-e', IMAGE_CONFIG];
