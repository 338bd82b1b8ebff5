// The options catalog: every option the provider reads, once. provider.yaml and the native provider file are
// checked against it (test/unit/options-catalog.test.ts) and docs/options.md is generated from it
// (`npm run docs:options`). Groups and their order are provider.yaml's optionGroups.
import { AGENT } from './agent.js';
import { CONNECTION, TLS } from './connection.js';
import { IMAGES } from './images.js';
import { PORTS } from './ports.js';
import { STORAGE } from './storage.js';
import type { OptionGroup, OptionSpec } from './types.js';
import { VAULT } from './vault.js';
import { PLACEMENT, WORKSPACE } from './workspace.js';

export type { OptionGroup, OptionSpec } from './types.js';

export const OPTION_GROUPS: readonly OptionGroup[] = [CONNECTION, TLS, WORKSPACE, PLACEMENT, STORAGE, IMAGES, PORTS, VAULT, AGENT];

export const CATALOG: readonly OptionSpec[] = OPTION_GROUPS.flatMap((g) => g.options);
