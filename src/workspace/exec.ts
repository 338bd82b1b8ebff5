// Running a command in a workspace's task: Nomad's exec tunnel, with the end-of-output trailers and the framed
// stdin the workspace's driver needs (see adapters/nomad/exec-trailer.ts, exec-stdin-frames.ts). Its own module so that commands that never exec (status,
// stop…) do not load the websocket client.
import { withFramedStdin, withTrailers } from '../adapters/jobspec/drivers/index.js';
import { TASK } from '../adapters/jobspec/workspace-job.js';
import { execInAllocation, type ExecRequest } from '../adapters/nomad/exec.js';
import type { Workspace } from './types.js';

export function execInWorkspace(
  ws: Workspace,
  allocId: string,
  req: Omit<ExecRequest, 'allocId' | 'task' | 'trailers' | 'framedStdin'>,
): Promise<number> {
  const driver = ws.config.driver;
  return execInAllocation(ws.nomad.http, { ...req, allocId, task: TASK, trailers: withTrailers(driver), framedStdin: withFramedStdin(driver) });
}
