// `stop`: stops the workspace's allocation; the job definition stays for `start`.
import { stopWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';

export const stop = (): Promise<void> => stopWorkspace(commandContext().workspace);
