// Which errors carry a message written for the user, by class: the CLI's funnel (run.ts) prints their message
// alone, and the stack of any other error too in debug mode. Loaded only once a command has failed.
import { ConfigError } from '../adapters/config/errors.js';
import { NomadError } from '../adapters/nomad/errors.js';
import { WaitError } from '../machines/wait.js';
import { WorkspaceError } from '../workspace/errors.js';
import { UsageError } from './usage-error.js';

/** ConfigError covers the config file's errors and the job template's TemplateError, its subclass. */
const CLASSES = [UsageError, ConfigError, NomadError, WaitError, WorkspaceError];

export function writtenForUsers(err: Error): boolean {
  return CLASSES.some((c) => err instanceof c);
}
