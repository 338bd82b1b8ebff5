// `delete`: stops and purges the workspace job; a missing one counts as deleted.
import { deleteWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';

export const remove = (): Promise<void> => deleteWorkspace(commandContext().workspace);
