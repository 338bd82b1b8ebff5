// `init`: options are valid, Nomad is reachable, and the token may read jobs in the namespace.
import { loadConfig } from '../adapters/config/index.js';
import { NomadClient } from '../adapters/nomad/client.js';
import { log } from './context.js';

export async function init(): Promise<void> {
  const config = loadConfig(process.env);
  const nomad = new NomadClient(config.connection);
  const leader = (await nomad.agent.leader()).data;
  if (!leader) throw new Error(`Nomad at ${config.connection.address} has no cluster leader`);
  await nomad.jobs.read('devpod-provider-nomad-init-probe');
  // DevPod shows a command's stderr as an error; say it only to a person or in debug mode.
  if (process.stderr.isTTY || process.env.DEVPOD_DEBUG === 'true') {
    log(`Nomad at ${config.connection.address} is reachable (leader ${leader}); namespace "${config.connection.namespace ?? 'default'}" readable`);
  }
}
