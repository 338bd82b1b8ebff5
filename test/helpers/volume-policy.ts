// The shipped ACL policy (deploy/nomad-acl-policy.hcl) with some of the volume rules its comments describe switched on,
// as an operator following those comments would: the named namespace capabilities and the host_volume "devpod-*" block.

/** The shipped policy with the volume lines its comments describe switched on. */
export function policyWithVolumeRules(policy: string, capabilities: string[]): string {
  const lines = policy.split('\n').map((line) => {
    const cap = /^(\s*)# ("[a-z-]+",.*)$/.exec(line);
    if (cap && capabilities.some((c) => cap[2]!.startsWith(`"${c}"`))) return `${cap[1]}${cap[2]}`;
    return line;
  });
  const text = lines.join('\n');
  return text.replace(/^# host_volume "devpod-\*" \{\n# {3}policy = "write"\n# \}$/m, 'host_volume "devpod-*" {\n  policy = "write"\n}');
}
