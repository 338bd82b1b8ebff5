// The trust boundary applied to a repository's .devpod/nomad.yaml, before any option is validated (load.ts): each
// option the file sets is judged by trust.ts's table (personal options) and its unsafe-value checks
// (unsafe-values.ts). The file is judged as written, even where the person's own options override it.
import type { OptionValues } from './sources.js';
import { OPTIONS } from './trust.js';

/**
 * What the repository's file sets that it may not: unknown names, personal options and unsafe values. One
 * message each, naming the option, the file and where to set it instead. `provider`: DevPod's name for us
 * (PROVIDER_ID); without it, set-options takes the default provider.
 */
export function repositoryProblems(vals: OptionValues, provider?: string): string[] {
  const problems: string[] = [];
  // The file as written: a value the person's own options override was still asked for by the repository.
  for (const [name, value] of Object.entries(vals.fromFile ?? {})) {
    if (value.trim() === '') continue; // sets nothing
    const rule = OPTIONS[name];
    const where = `is set in ${vals.file}`;
    const instead = `If you mean it, set it in your own provider options: devpod provider set-options ${provider ? `${provider} ` : ''}-o ${name}=${rule?.secret ? '…' : value.trim()}`;
    if (!rule) {
      problems.push(
        `${name} ${where} but is not an option of this provider: expected option names such as NOMAD_CPU or NOMAD_IMAGE (all are listed in docs/security.md)`,
      );
    } else if (rule.trust === 'personal') {
      const shown = rule.secret ? `${name} (value hidden)` : `${name}=${JSON.stringify(value)}`;
      problems.push(`${shown} ${where}, a repository's file, which may not set it: ${rule.why}. ${instead}`);
    } else {
      const refused = rule.repositoryRefuses?.(value, vals.values);
      if (refused)
        problems.push(
          `${name}=${JSON.stringify(value)} ${where}, a repository's file, which may set ${name} only ${refused.allowed}: ${refused.why}. ${instead}`,
        );
    }
  }
  return problems;
}
