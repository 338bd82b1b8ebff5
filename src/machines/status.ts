// The one word DevPod reads from `status`, for every state of the workspace machine.
import type { WorkspaceStateValue } from './workspace.js';

export type WorkspaceStatus = 'Running' | 'Busy' | 'Stopped' | 'NotFound';

/**
 * Failed maps to Stopped on purpose: `devpod up` then runs `start`, which fails at once with the reason. Busy
 * would make devpod poll forever; NotFound would make it create a second workspace. Unreachable maps to NotFound
 * only because DevPod needs a word: the CLI exits non-zero there, which DevPod reports as an error.
 */
export const STATUS_BY_STATE: Readonly<Record<WorkspaceStateValue, WorkspaceStatus>> = {
  hydrating: 'Busy',
  pending: 'Busy',
  scheduled: 'Busy',
  restarting: 'Busy',
  running: 'Running',
  stopping: 'Busy',
  stopped: 'Stopped',
  failed: 'Stopped',
  notFound: 'NotFound',
  unreachable: 'NotFound',
};

export const statusOf = (state: WorkspaceStateValue): WorkspaceStatus => STATUS_BY_STATE[state];
