// Nomad versions and what the servers run: the facts the job builder and the version checks adapt to.

/** [major, minor, patch] */
export type NomadVersion = readonly [number, number, number];

export interface ClusterFacts {
  /** The oldest alive server's version in the workspace's region; undefined when it could not be read. */
  version?: NomadVersion;
  /** Why the version is unknown (said once, on stderr). */
  unknownBecause?: string;
}

export function parseNomadVersion(text: string | undefined): NomadVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export const formatVersion = (v: NomadVersion): string => v.join('.');

/** a >= b */
export function atLeast(a: NomadVersion, b: NomadVersion): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}
