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
