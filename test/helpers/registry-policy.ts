// The shipped ACL policy (deploy/nomad-acl-policy.hcl) with its commented `variables` block switched on, as an
// operator who sets NOMAD_REGISTRY_AUTH=job does following the comment above it.

export function policyWithRegistryVariables(policy: string): string {
  const block =
    /^ {2}# variables \{\n {2}# {3}path "nomad\/jobs\/devpod-\*" \{\n {2}# {5}capabilities = \["write", "destroy"\]\n {2}# {3}\}\n {2}# \}$/m;
  if (!block.test(policy)) throw new Error('the shipped policy no longer has the commented variables block this helper switches on');
  return policy.replace(block, '  variables {\n    path "nomad/jobs/devpod-*" {\n      capabilities = ["write", "destroy"]\n    }\n  }');
}
