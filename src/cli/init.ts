// `init`: options are valid, Nomad is reachable, and the token may do what the options ask for (read and submit
// jobs, exec, mount the volume), each missing capability named before anything is submitted.
import { loadConfig } from '../adapters/config/index.js';
import { NomadClient } from '../adapters/nomad/client.js';
import { checkAccess, describeMissing, neededAccess } from '../workspace/access.js';
import { formatVersion } from '../adapters/nomad/version.js';
import { readCluster, tooNew } from '../workspace/cluster.js';
import { checkVault } from '../workspace/vault.js';
import { log } from './context.js';
import { debugOn } from './run.js';
import { UsageError } from './usage-error.js';

export async function init(): Promise<void> {
  const config = loadConfig(process.env);
  const nomad = new NomadClient(config.connection);
  const leader = (await nomad.agent.leader()).data;
  if (!leader) throw new Error(`Nomad at ${config.connection.address} has no cluster leader`);
  // A plain read first: a wrong or expired token, or one without read-job, fails here with Nomad's own answer.
  await nomad.jobs.read('devpod-provider-nomad-init-probe');
  const ns = config.connection.namespace ?? 'default';
  // What the servers cannot do comes first: no capability makes an option work on a Nomad too old for it.
  const cluster = await readCluster(nomad, config.connection.region);
  const refused = tooNew(config, cluster);
  if (refused.length) throw new UsageError(refused.join('; '));
  const access = await checkAccess(nomad, neededAccess(config));
  if (access.checked && access.missing.length) {
    throw new UsageError(
      `the token in NOMAD_TOKEN lacks what these options need:\n${describeMissing(access.missing)}\n` +
        `Add them to its policy (deploy/nomad-acl-policy.hcl in the provider's repository is the least-privilege one).`,
    );
  }
  const vault = await checkVault(config, cluster);
  if (vault.problem) throw new UsageError(vault.problem);
  // VAULT_POLICIES_JSON's note is said every time: an option that does nothing must not pass in silence.
  for (const note of vault.notes) log(note);
  // DevPod shows a command's stderr as an error; say it only to a person or in debug mode.
  if (process.stderr.isTTY || debugOn()) {
    const rights = access.checked ? 'the token has every capability the options need' : `token rights not checked: ${access.why}`;
    const runs = cluster.version ? `servers run Nomad ${formatVersion(cluster.version)}` : `servers' version unknown: ${cluster.unknownBecause}`;
    log(`Nomad at ${config.connection.address} is reachable (leader ${leader}, ${runs}); namespace "${ns}" readable; ${rights}`);
  }
}
