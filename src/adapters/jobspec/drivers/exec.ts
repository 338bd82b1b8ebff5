// exec and raw_exec: the keep-alive script on the client host (exec isolates it in a chroot and cgroup; raw_exec
// does not). No image, so NOMAD_IMAGE, registry auth and certificate mounts do not apply.
import { shell } from './shell.js';
import type { TaskDriver } from './types.js';

export const exec: TaskDriver = { name: 'exec', usesImage: false, config: shell };
export const rawExec: TaskDriver = { name: 'raw_exec', usesImage: false, config: shell };
