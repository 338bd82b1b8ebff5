// `start`: runs a stopped workspace again from its kept job definition.
import { startWorkspace } from '../workspace/operations.js';
import { commandContext } from './context.js';

export const start = (): Promise<void> => startWorkspace(commandContext().workspace);
