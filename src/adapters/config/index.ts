// Provider options: sources (flags, environment, .devpod/nomad.yaml), parsers and the validated config.
export { ConfigError } from './errors.js';
export * from './options.js';
export { parseDurationMs, parseGoDuration, parseMegabytes } from './parse.js';
export { collectOptions, findConfigFile } from './sources.js';
export * from './volume.js';
export { OPTIONS, isSecretOption, optionSources, repositoryProblems, type OptionRule, type OptionSource, type Trust } from './trust.js';
