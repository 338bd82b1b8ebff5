// The one error of the config room: options that cannot be used, each problem a sentence naming the option, the
// value given and what is expected. Everything that refuses an option throws it (or a subclass, such as the job
// template's TemplateError), so callers can test `instanceof ConfigError`, as the CLI's error funnel
// (src/cli/user-errors.ts) does.

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} options are invalid:\n- ${problems.join('\n- ')}`);
  }
}
