// Cross-option rules: checks that relate options of different groups. Each is what one feature needs of
// NOMAD_DRIVER; the schema file that reads the feature's option calls its rule at the point it always has, so
// problems keep their order. Checks among one group's own options (NOMAD_CPU with NOMAD_CORES, the registry
// credentials, the volume's type with its source and plugin) stay with that group's schema.
// Each returns the problem, or undefined when the driver can do it.

/** NOMAD_DOCKER_ACCESS=host-socket: a bind mount of the node's Docker socket into a privileged docker task. */
export function hostSocketNeedsDocker(access: string, driver: string): string | undefined {
  if (access === 'host-socket' && driver !== 'docker')
    return `NOMAD_DOCKER_ACCESS=host-socket needs NOMAD_DRIVER=docker (got ${driver}): the host's Docker socket can only be mounted into a docker task`;
  return undefined;
}

/** NOMAD_REGISTRY_AUTH=job: an auth block in the task's config, which only image drivers read. */
export function jobRegistryAuthNeedsImageDriver(driver: string): string | undefined {
  if (driver !== 'docker' && driver !== 'podman') return `NOMAD_REGISTRY_AUTH=job needs an image driver (docker or podman), not ${driver}`;
  return undefined;
}

/**
 * A volume: Nomad's raw_exec reports no mount support, so a volume would be made and the task then fail to start
 * ("does not support host volumes" / "does not support CSI").
 */
export function volumeNeedsMountingDriver(type: string, driver: string): string | undefined {
  if (driver === 'raw_exec')
    return `NOMAD_VOLUME_TYPE=${type} needs a driver that mounts ${type === 'csi' ? 'CSI' : 'host'} volumes, and NOMAD_DRIVER=raw_exec does not (its tasks have no filesystem isolation): expected docker, podman or exec`;
  return undefined;
}

/** NOMAD_NSPAWN_CONFIG_JSON: options of the nspawn driver, which no other driver reads. */
export function nspawnConfigNeedsNspawn(nspawn: Record<string, unknown>, driver: string): string | undefined {
  if (Object.keys(nspawn).length && driver !== 'nspawn')
    return `NOMAD_NSPAWN_CONFIG_JSON is set but NOMAD_DRIVER=${driver}: expected NOMAD_DRIVER=nspawn`;
  return undefined;
}

/**
 * What cannot work on nspawn (jobspec/drivers/nspawn.ts): the driver execs with `systemd-run --machine`, which needs
 * the image's systemd booted as the container's PID 1, and that systemd, not a script of ours, is the main process.
 * `values`: the options as collected, for the ones of other groups.
 */
export function nspawnCannot(nspawn: Record<string, unknown>, driver: string, values: Record<string, string>): string[] {
  if (driver !== 'nspawn') return [];
  const problems: string[] = [];
  const needsBoot =
    "the nspawn driver runs every command (DevPod's agent too) with systemd-run --machine, which needs the image's systemd booted as the container's PID 1";
  if (nspawn.boot === false)
    problems.push(`NOMAD_NSPAWN_CONFIG_JSON.boot=false cannot work: ${needsBoot}: expected boot true (the default), with a systemd image`);
  if (nspawn.process_two === true)
    problems.push(
      `NOMAD_NSPAWN_CONFIG_JSON.process_two=true cannot work: it runs a stub init instead of the image's systemd, and ${needsBoot}: leave process_two out`,
    );
  if ('port_map' in nspawn)
    problems.push(
      'NOMAD_NSPAWN_CONFIG_JSON.port_map cannot work: nomad-driver-nspawn maps ports only from task network resources, which Nomad removed in 0.12 (the task fails with "Trying to map ports but no network interface is available"): publish ports with NOMAD_PORTS, and the app listens on $NOMAD_PORT_<label>',
    );
  if (nspawn.network_veth === true && values.NOMAD_PORTS?.trim())
    problems.push(
      "NOMAD_PORTS with NOMAD_NSPAWN_CONFIG_JSON.network_veth=true cannot work: the published ports are the node's, and the workspace on its own veth link does not listen there: leave network_veth out (the workspace shares the node's network) or NOMAD_PORTS empty",
    );
  if ('user' in nspawn)
    problems.push(
      "NOMAD_NSPAWN_CONFIG_JSON.user cannot work: with --user the image's systemd runs as that user and cannot boot (Failed to mount API filesystems), and commands run as root through systemd-run anyway: leave user out (DevPod's agent picks the user inside the workspace)",
    );
  const taskUser = values.NOMAD_TASK_USER?.trim();
  if (taskUser)
    problems.push(
      `NOMAD_TASK_USER=${taskUser} cannot work with NOMAD_DRIVER=nspawn: the driver boots the image's systemd as root and runs commands as root through systemd-run, whatever the task's user: leave NOMAD_TASK_USER unset (DevPod's agent picks the user inside the workspace)`,
    );
  return problems;
}
