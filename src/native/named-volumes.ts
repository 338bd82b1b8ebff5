// devcontainer.json `mounts` of type volume (`source=dev_home,target=/home/dev,type=volume`, as Sindri writes its
// home), natively. DevPod's own docker driver makes them Docker volumes named by `source`: on a shared Nomad node
// that name would be shared by every workspace whose repository writes it (a repository could name another
// workspace's volume and read it), and Nomad would never remove it. Here each is a folder of the workspace's own
// Nomad volume, `<NOMAD_VOLUME_MOUNT>/.devpod-volumes/<devcontainer id>/<source>`, so it lasts exactly as long as the
// workspace's files: across stop/up, a task restart and `--recreate`, gone with a volume the provider made.
//
// Nomad cannot mount a sub-folder of a volume (no subpath before 1.10's, and not on host volumes), and the task may
// not mount anything itself (no CAP_SYS_ADMIN), so the target becomes a symlink to that folder: made as root by a
// script the job carries (a template in the task's own directory), which `native command` runs before DevPod's
// command when this container has not linked yet. As a new Docker volume does, the folder starts with what the
// image has at the target (`cp -a`, owners kept). For a devcontainer DevPod builds in the task (dockerless.ts), not
// before the build has run: kaniko rewrites the root filesystem, and the link belongs in the built one.
// Only in an image (docker, podman): on exec and raw_exec the task's root is the node's own.
import { posix } from 'node:path';
import type { ProviderConfig } from '../adapters/config/index.js';
import { WorkspaceError } from '../workspace/errors.js';
import { BUILD_INFO_MOUNT, IMAGE_CONFIG } from './dockerless.js';
import { namedVolumes, type RunOptions } from './run-options.js';
import { fileSafe, shQuote as q } from './sh.js';

export interface NamedVolume {
  /** devcontainer.json's `source`. */
  name: string;
  /** Where the devcontainer sees it. */
  target: string;
  /** Its folder in the workspace's Nomad volume, as the task sees it. */
  folder: string;
}

/** The template's file in the task's directory (NOMAD_TASK_DIR), which `native command` runs when it is there. */
export const LINK_SCRIPT = 'devpod-volumes.sh';
/** Written in the container's root once its volumes are linked (a new container starts without it; tests move it). */
const LINKED = '/.devpod-volumes-linked';

/** Docker's own rule for volume names: a name, never a path. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Folders of the container a volume may not be in: the kernel's, Nomad's task folders, DevPod's builder. */
const RESERVED = ['/proc', '/sys', '/dev', '/alloc', '/local', '/secrets', '/.dockerless'];
/** Folders a volume may be below but not be: the link replaces its target, and these hold the shell that makes it. */
const SYSTEM = ['/bin', '/sbin', '/lib', '/lib64', '/usr', '/etc', '/var'];

const within = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** DevPod's own dockerless build-info volume (`dockerless-<id>` at /workspaces/.dockerless): a tmpfs of the task. */
export const isBuildInfoVolume = (m: { source: string; target: string }) => m.target === BUILD_INFO_MOUNT && m.source.startsWith('dockerless-');

/**
 * The named volumes of the run options this job keeps, and a sentence for each it does not. Throws, before anything
 * reaches Nomad, for a name or target a repository may not write: a path as a name, a relative target, or a target
 * that is the workspace's volume, inside it or above it (the link replaces the target), or a system folder.
 */
export function namedVolumePlan(
  devcontainerId: string,
  opts: RunOptions,
  cfg: Pick<ProviderConfig, 'volume' | 'driver'>,
): { volumes: NamedVolume[]; notKept: string[] } {
  const wanted = namedVolumes(opts).filter((m) => !isBuildInfoVolume(m));
  const volumes: NamedVolume[] = [];
  const notKept: string[] = [];
  const mount = cfg.volume?.mount;
  for (const m of wanted) {
    const where = `devcontainer.json "mounts" entry source=${m.source},target=${m.target},type=volume`;
    if (!VOLUME_NAME.test(m.source))
      throw new WorkspaceError(`${where}: the source must be a volume name (letters, digits, _ . -, starting with a letter or digit), not a path`);
    const target = posix.normalize(m.target).replace(/\/+$/, '');
    if (!m.target.startsWith('/') || m.target.split('/').includes('..') || target === '' || target === '/')
      throw new WorkspaceError(`${where}: the target must be an absolute folder of the container other than /, without ".."`);
    const reserved = RESERVED.find((r) => within(target, r)) ?? SYSTEM.find((r) => r === target);
    if (reserved) throw new WorkspaceError(`${where}: ${reserved} belongs to the container's system or to Nomad; choose another target`);
    if (mount && (within(target, mount) || within(mount, target)))
      throw new WorkspaceError(
        `${where}: the target is the workspace's volume (NOMAD_VOLUME_MOUNT=${mount}) or in it or above it; a folder of the workspace's volume needs no volume of its own`,
      );
    if (cfg.driver !== 'docker' && cfg.driver !== 'podman') {
      notKept.push(`volume ${m.source} → ${m.target} is not kept: NOMAD_DRIVER=${cfg.driver} runs no image (use docker or podman)`);
      continue;
    }
    if (!mount || cfg.volume?.readOnly) {
      notKept.push(
        `volume ${m.source} → ${m.target} is not kept: it is a folder of the workspace's Nomad volume, and there is ${mount ? 'only a read-only one' : 'none'} (set NOMAD_VOLUME_TYPE); ${target} is the container's own, gone when it stops`,
      );
      continue;
    }
    if (volumes.some((v) => v.target === target)) continue;
    volumes.push({ name: m.source, target, folder: posix.join(mount, '.devpod-volumes', fileSafe(devcontainerId), m.source) });
  }
  return { volumes, notKept };
}

/**
 * The script that links the volumes, run as root in the container by `native command`. Idempotent, and safe to run
 * from two commands at once (a lock folder; a holder that died leaves at most a 30 s wait). No braces after `$`:
 * nothing here is for Nomad's interpolation.
 */
export function linkScript(volumes: NamedVolume[], dockerless: boolean, linked = LINKED): string {
  const lines = [
    '#!/bin/sh',
    "# devpod-provider-nomad: devcontainer.json's named volumes, folders of the workspace's Nomad volume (named-volumes.ts).",
    `[ -e ${q(linked)} ] && exit 0`,
    ...(dockerless
      ? [`# DevPod builds this devcontainer in the task: link in the built root, not the builder's.`, `[ -e ${IMAGE_CONFIG} ] || exit 0`]
      : []),
    'n=0',
    `while ! mkdir ${q(`${linked}.lock`)} 2>/dev/null; do [ -e ${q(linked)} ] && exit 0; n=$((n + 1)); [ "$n" -ge 30 ] && break; sleep 1; done`,
    'keep_volume() {',
    '  t="$1"; d="$2"',
    '  [ -L "$t" ] && [ "$(readlink "$t")" = "$d" ] && return 0',
    // A new volume starts with the image's content at the target, owners and modes kept, as Docker's does.
    '  if [ ! -d "$d" ]; then mkdir -p "$d.new" && { [ ! -d "$t" ] || cp -a "$t/." "$d.new/"; } && mv "$d.new" "$d" || return 1; fi',
    '  rm -rf "$t" && mkdir -p "$(dirname "$t")" && ln -s "$d" "$t"',
    '}',
    'rc=0',
    ...volumes.map(
      (v) =>
        `keep_volume ${q(v.target)} ${q(v.folder)} || { rc=1; echo ${q(`devpod-provider-nomad: could not link volume ${v.name} at ${v.target} to ${v.folder}`)} >&2; }`,
    ),
    // Marked only when every volume is linked: a failure is tried again (and said again) by the next command.
    `[ "$rc" = 0 ] && touch ${q(linked)}; rmdir ${q(`${linked}.lock`)} 2>/dev/null`,
    'exit $rc',
    '',
  ];
  return lines.join('\n');
}

/** The task's template that carries the script into its directory; none without volumes to keep. */
export function linkTemplate(volumes: NamedVolume[], dockerless: boolean): Record<string, unknown> | undefined {
  if (!volumes.length) return undefined;
  // consul-template reads `{{`; the script has none.
  return { EmbeddedTmpl: linkScript(volumes, dockerless), DestPath: `local/${LINK_SCRIPT}`, Perms: '0755', ChangeMode: 'noop' };
}

/**
 * What `native command` runs first, in the same shell (its `$0`), as the task's user: the link script when the job
 * carries one and the user is root. Its messages go to stderr; DevPod's command runs whatever it returns.
 */
export const linkPrelude = `if [ -f "$NOMAD_TASK_DIR/${LINK_SCRIPT}" ] && [ "$(id -u)" = 0 ]; then "$0" "$NOMAD_TASK_DIR/${LINK_SCRIPT}" < /dev/null >&2; fi`;
