// The config room's entry point: loadConfig and the validated config's types, for the rest of src/. load.ts says
// how the room's files fit together; trust.ts (who may set each option) and catalog/ (every option, documented) are
// imported directly by the scripts and tests that check them.
export { ConfigError } from './errors.js';
export { loadConfig, type ProviderConfig } from './load.js';
export { parseDurationMs, parseGoDuration, parseMegabytes } from './parse.js';
export { optionSources, type OptionSource } from './sources.js';
export type { CertMount, RegistryAuth } from './images.js';
export type { Constraint, Gpu } from './placement.js';
export type { PortSpec, PortsConfig } from './ports.js';
export type { VaultConfig, VaultSecret } from './vault.js';
export type { VolumeConfig } from './volume.js';
export type { Driver, JobTemplate, Resources } from './workspace.js';
