// Waiting on a workspace's volume (host-volume.ts, csi-volume.ts): Nomad blocking queries, bounded by
// NOMAD_TIMEOUT; never a sleep.
import type { Result } from '../adapters/nomad/http.js';
import { WorkspaceError } from './errors.js';
import type { Workspace } from './types.js';

export const short = (id: string) => id.slice(0, 8);
export const gb = (bytes: number) => `${Number((bytes / 1024 ** 3).toFixed(2))} GiB`;

export type BlockingRead<T> = (opts: { index?: number; waitMs?: number }) => Promise<Result<T>>;

/**
 * Blocking queries of `read` until `settle` returns a result (not undefined), within NOMAD_TIMEOUT; at the deadline,
 * `settle` is asked with `last` set and must return or throw.
 */
export async function longPoll<T, R>(ws: Workspace, read: BlockingRead<T>, settle: (data: T, last: boolean) => R | undefined): Promise<R> {
  const deadline = Date.now() + ws.config.timeoutMs;
  let index: number | undefined;
  for (;;) {
    const res = await read({ index, waitMs: Math.max(1_000, Math.min(30_000, deadline - Date.now())) });
    const result = settle(res.data, Date.now() >= deadline);
    if (result !== undefined) return result;
    index = Math.max(index ?? 0, res.meta.lastIndex);
  }
}

/**
 * Long-polls the volume until `usable` says true (it returns why not otherwise, or throws when it never will),
 * within NOMAD_TIMEOUT.
 */
export async function waitForVolume<T>(
  ws: Workspace,
  name: string,
  read: BlockingRead<T | undefined>,
  usable: (vol: T) => true | string,
): Promise<T> {
  return longPoll(ws, read, (vol, last) => {
    if (!vol) throw new WorkspaceError(`volume ${name} of workspace ${ws.jobId} was removed while create waited for it`);
    const verdict = usable(vol);
    if (verdict === true) return vol;
    if (last)
      throw new WorkspaceError(
        `volume ${name} of workspace ${ws.jobId} is not usable after NOMAD_TIMEOUT (${ws.config.timeoutMs / 1000} s): ${verdict}`,
      );
    return undefined;
  });
}
