// The job meta keys of a workspace job. Nomad hands every meta key to the task as an environment variable
// (NOMAD_META_<key>), and drivers that check names refuse the job when a key is not a valid name: systemd-nspawn's
// `-E` takes only [A-Za-z_][A-Za-z0-9_]*, so a key like `devpod.machine-id` failed every nspawn task. The keys are
// env-safe now; jobs made by earlier versions (0.1.x wrote the dotted form) are still read, so an existing workspace
// keeps its status, stop, start and delete.
import type { NomadJob } from './types.js';

/** Job meta keys of a workspace job: who made it, and why it was stopped when the provider stopped it. */
export const WORKSPACE_META = {
  machineId: 'devpod_machine_id',
  machineFolder: 'devpod_machine_folder',
  workspaceId: 'devpod_workspace_id',
  providerVersion: 'devpod_provider_version',
  /** Set when the provider stopped a workspace that could not run, so a later look still says why. */
  stopReason: 'devpod_stop_reason',
} as const;

export type WorkspaceMetaKey = keyof typeof WORKSPACE_META;

/** The keys the provider wrote before they were env-safe, read from jobs created then. */
export const LEGACY_WORKSPACE_META: Record<WorkspaceMetaKey, string> = {
  machineId: 'devpod.machine-id',
  machineFolder: 'devpod.machine-folder',
  workspaceId: 'devpod.workspace-id',
  providerVersion: 'devpod.provider-version',
  stopReason: 'devpod.stop-reason',
};

/** A meta key is usable as an environment variable name by every driver (POSIX shell names, which nspawn enforces). */
export const isEnvSafeKey = (key: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);

/** A workspace meta value of a job in either form (the current key wins). */
export function workspaceMeta(job: Pick<NomadJob, 'Meta'>, key: WorkspaceMetaKey): string | undefined {
  return job.Meta?.[WORKSPACE_META[key]] ?? job.Meta?.[LEGACY_WORKSPACE_META[key]];
}

/** The job's meta with `key` removed in both forms. */
export function withoutWorkspaceMeta(meta: NomadJob['Meta'], key: WorkspaceMetaKey): Record<string, string> {
  const { [WORKSPACE_META[key]]: _now, [LEGACY_WORKSPACE_META[key]]: _before, ...rest } = meta ?? {};
  return rest;
}
