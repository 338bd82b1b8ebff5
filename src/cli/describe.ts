// `describe`: a few plain lines about the workspace for a person (DevPod's fork prints them for
// `devpod machine describe`); no secrets. `native describe` does the same for a native-mode devcontainer.
import { describeWorkspace } from '../workspace/describe.js';
import type { Workspace } from '../workspace/types.js';
import { commandContext } from './context.js';

export async function describe(workspace: Workspace = commandContext().workspace): Promise<void> {
  process.stdout.write(`${(await describeWorkspace(workspace)).join('\n')}\n`);
}
