// NOMAD_REGISTRY_AUTH=job without the password in the job: create keeps it in the Nomad Variable
// nomad/jobs/<job id>, which the task may read with its workload identity (Nomad's implicit policy). A template
// renders it into the task's environment before the driver starts, and the driver config's auth names it as
// `${DEVPOD_REGISTRY_PASSWORD}`: Nomad interpolates driver config with the task's environment, template variables
// included, just before it starts the task (client/allocrunner/taskrunner/task_runner.go, runDriver).
import type { ProviderConfig } from '../config/index.js';

/** The task's environment variable that carries the registry password (the user's own credential). */
export const REGISTRY_PASSWORD_ENV = 'DEVPOD_REGISTRY_PASSWORD';
/** The variable item that holds it. */
export const REGISTRY_PASSWORD_ITEM = 'registry_password';

/** Where the password of a workspace job lives: the one path its own task may read without any policy. */
export const registryVariablePath = (jobId: string): string => `nomad/jobs/${jobId}`;

/** The driver config's reference to the password, resolved on the client when the task starts. */
export const registryPasswordRef = `\${${REGISTRY_PASSWORD_ENV}}`;

/**
 * `.Value | toJSON` gives a JSON string, whose escapes Nomad's env-file parser (go-envparse) reads back exactly:
 * any character a password may hold survives. (The item itself would print Go-quoted, `\x07` and all.)
 */
export const registryTemplate = (jobId: string): string =>
  `{{ with nomadVar ${JSON.stringify(registryVariablePath(jobId))} }}${REGISTRY_PASSWORD_ENV}={{ .${REGISTRY_PASSWORD_ITEM}.Value | toJSON }}{{ end }}\n`;

/** The workspace task's template for job-level registry auth; none otherwise. */
export function registryAuthTemplates(cfg: ProviderConfig, jobId: string): Array<Record<string, unknown>> {
  if (cfg.registryAuth.mode !== 'job') return [];
  return [
    {
      EmbeddedTmpl: registryTemplate(jobId),
      DestPath: 'secrets/registry-auth.env',
      Envvars: true,
      Perms: '0600',
      // The password matters only when the image is pulled: a changed variable must not restart a running workspace.
      ChangeMode: 'noop',
    },
  ];
}
