// Nomad ACL rules as `init` reads them: each case is a policy text and what a token holding it may do, as Nomad
// 1.11 decides it (acl/policy.go, acl/acl.go). The shipped policy is also checked against a real cluster in
// test/integration/secure-cluster.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { RulesError } from '../../src/adapters/nomad/acl-hcl.js';
import { addRules, describeNeed, emptyGrants, missingNeeds, type Need } from '../../src/adapters/nomad/acl-rules.js';
import { neededAccess } from '../../src/workspace/access.js';
import { policyWithRegistryVariables } from '../helpers/registry-policy.js';

const ns = (capability: string, name = 'default'): Need => ({ scope: 'namespace', name, capability, why: 'test' });
const hv = (name: string, capability: 'mount-readonly' | 'mount-readwrite'): Need => ({ scope: 'host_volume', name, capability, why: 'test' });
const vars = (capability: 'read' | 'list' | 'write' | 'destroy', path = 'nomad/jobs/devpod-ws1', namespace = 'default'): Need => ({
  scope: 'variables',
  namespace,
  path,
  capability,
  why: 'test',
});
const granted = (rules: string[], need: Need) =>
  missingNeeds(
    rules.reduce((g, r) => addRules(g, r), emptyGrants()),
    [need],
  ).length === 0;

describe('ACL rules: what a token may do', () => {
  const cases: [string, string[], Need, boolean][] = [
    ['explicit capability', ['namespace "default" { capabilities = ["alloc-exec"] }'], ns('alloc-exec'), true],
    ['capability not listed', ['namespace "default" { capabilities = ["read-job"] }'], ns('alloc-exec'), false],
    ['write shorthand includes alloc-exec', ['namespace "default" { policy = "write" }'], ns('alloc-exec'), true],
    ['write shorthand excludes alloc-node-exec', ['namespace "default" { policy = "write" }'], ns('alloc-node-exec'), false],
    ['write shorthand excludes host-volume-delete (unlike the docs)', ['namespace "default" { policy = "write" }'], ns('host-volume-delete'), false],
    ['read shorthand has read-job, not submit-job', ['namespace "default" { policy = "read" }'], ns('submit-job'), false],
    ['host-volume-write implies delete', ['namespace "default" { capabilities = ["host-volume-write"] }'], ns('host-volume-delete'), true],
    ['another namespace does not count', ['namespace "prod" { policy = "write" }'], ns('alloc-exec'), false],
    ['glob namespace matches', ['namespace "dev*" { policy = "write" }'], ns('submit-job', 'devpod'), true],
    [
      'the exact namespace wins over a glob',
      ['namespace "*" { policy = "write" }\nnamespace "default" { policy = "read" }'],
      ns('submit-job'),
      false,
    ],
    ['the closest glob wins', ['namespace "*" { policy = "read" }\nnamespace "team-*" { policy = "write" }'], ns('submit-job', 'team-a'), true],
    [
      'capabilities add up across policies',
      ['namespace "default" { capabilities = ["read-job"] }', 'namespace "default" { capabilities = ["alloc-exec"] }'],
      ns('alloc-exec'),
      true,
    ],
    ['deny in any policy wins', ['namespace "default" { policy = "write" }', 'namespace "default" { policy = "deny" }'], ns('read-job'), false],
    ['host volume write allows a read-write mount', ['host_volume "devpod-*" { policy = "write" }'], hv('devpod-ws1', 'mount-readwrite'), true],
    ['host volume read allows only read-only mounts', ['host_volume "devpod-*" { policy = "read" }'], hv('devpod-ws1', 'mount-readwrite'), false],
    ['node read', ['node { policy = "read" }'], { scope: 'node', capability: 'read', why: 'test' }, true],
    ['node deny', ['node { policy = "write" }', 'node { policy = "deny" }'], { scope: 'node', capability: 'read', why: 'test' }, false],
    ['comments of every kind', ['# a\n// b\n/* c */ namespace "default" { # d\n capabilities = ["alloc-exec", # e\n ] }'], ns('alloc-exec'), true],
    [
      'JSON rules',
      ['{"namespace": {"default": {"policy": "read", "capabilities": ["alloc-exec"]}}, "node": {"policy": "read"}}'],
      ns('alloc-exec'),
      true,
    ],
    ['JSON rules, shorthand', ['{"namespace": {"default": {"policy": "read"}}}'], ns('read-job'), true],
    [
      'variables: write on the exact path',
      ['namespace "default" { variables { path "nomad/jobs/devpod-ws1" { capabilities = ["write"] } } }'],
      vars('write'),
      true,
    ],
    [
      'variables: write does not bring destroy',
      ['namespace "default" { variables { path "nomad/jobs/devpod-ws1" { capabilities = ["write"] } } }'],
      vars('destroy'),
      false,
    ],
    [
      'variables: a path glob',
      ['namespace "default" { variables { path "nomad/jobs/devpod-*" { capabilities = ["write", "destroy"] } } }'],
      vars('destroy'),
      true,
    ],
    [
      'variables: a glob that does not cover the path',
      ['namespace "default" { variables { path "nomad/jobs/other-*" { capabilities = ["write"] } } }'],
      vars('write'),
      false,
    ],
    [
      'variables: the exact path wins over a glob',
      ['namespace "default" { variables {\n path "*" { capabilities = ["write"] }\n path "nomad/jobs/devpod-ws1" { capabilities = ["read"] } } }'],
      vars('write'),
      false,
    ],
    [
      'variables: the closest glob wins',
      ['namespace "default" { variables {\n path "*" { capabilities = ["read"] }\n path "nomad/jobs/*" { capabilities = ["write"] } } }'],
      vars('write'),
      true,
    ],
    [
      'variables: a namespace glob',
      ['namespace "*" { variables { path "nomad/jobs/*" { capabilities = ["write"] } } }'],
      vars('write', 'nomad/jobs/devpod-ws1', 'team-a'),
      true,
    ],
    [
      'variables: another namespace does not count',
      ['namespace "prod" { variables { path "*" { capabilities = ["write"] } } }'],
      vars('write'),
      false,
    ],
    ['variables: read brings list', ['namespace "default" { variables { path "*" { capabilities = ["read"] } } }'], vars('list'), true],
    [
      'variables: deny alone grants nothing',
      ['namespace "default" { variables { path "*" { capabilities = ["write", "deny"] } } }'],
      vars('write'),
      false,
    ],
    [
      'variables: a deny in another policy does not take a grant away (Nomad 1.11 unions them)',
      [
        'namespace "default" { variables { path "*" { capabilities = ["write"] } } }',
        'namespace "default" { variables { path "*" { capabilities = ["deny"] } } }',
      ],
      vars('write'),
      true,
    ],
    [
      'variables: a namespace deny does not reach them (Nomad 1.11)',
      ['namespace "default" { policy = "deny"\n variables { path "*" { capabilities = ["write"] } } }'],
      vars('write'),
      true,
    ],
    ['variables: namespace policy "write" grants none', ['namespace "default" { policy = "write" }'], vars('write'), false],
    [
      'variables: JSON rules',
      ['{"namespace": {"default": {"policy": "read", "variables": {"path": {"nomad/jobs/devpod-*": {"capabilities": ["write", "destroy"]}}}}}}'],
      vars('destroy'),
      true,
    ],
  ];
  it.each(cases)('%s', (_name, rules, need, allowed) => {
    expect(granted(rules, need)).toBe(allowed);
  });

  it('the shipped policy grants what machine mode on docker needs, and not node-level exec', () => {
    const rules = readFileSync('deploy/nomad-acl-policy.hcl', 'utf8');
    for (const c of ['read-job', 'list-jobs', 'submit-job', 'alloc-exec']) expect(granted([rules], ns(c)), c).toBe(true);
    expect(granted([rules], ns('alloc-node-exec'))).toBe(false);
    expect(granted([rules], { scope: 'node', capability: 'read', why: 'test' })).toBe(true);
  });

  it('refuses rules it cannot read instead of guessing', () => {
    expect(() => addRules(emptyGrants(), 'namespace "default" { policy = <<EOF\nwrite\nEOF\n}')).toThrow(RulesError);
  });
});

describe('what init asks of the token for NOMAD_REGISTRY_AUTH=job', () => {
  const shipped = readFileSync('deploy/nomad-acl-policy.hcl', 'utf8');
  const env = { NOMAD_REGISTRY_AUTH: 'job', NOMAD_REGISTRY_USERNAME: 'robot', NOMAD_REGISTRY_PASSWORD: 'secret' };
  const missing = (rules: string, options: Record<string, string>) =>
    missingNeeds(addRules(emptyGrants(), rules), neededAccess(loadConfig(options))).map(describeNeed);

  it("the shipped policy as it is lacks writing and removing the password's variable, and says which command needs each", () => {
    expect(missing(shipped, env)).toEqual([
      '"write" on variables path "nomad/jobs/devpod-*" in namespace "default" (NOMAD_REGISTRY_AUTH=job: create and start keep the registry password in the workspace job\'s variable)',
      '"destroy" on variables path "nomad/jobs/devpod-*" in namespace "default" (NOMAD_REGISTRY_AUTH=job: delete removes that variable)',
    ]);
  });

  it('with its commented variables block switched on it has both, and client-side auth needs neither', () => {
    expect(missing(policyWithRegistryVariables(shipped), env)).toEqual([]);
    expect(missing(shipped, {})).toEqual([]);
  });

  it('a workspace in another namespace needs the rule there', () => {
    expect(
      missing(policyWithRegistryVariables(shipped).replace('namespace "default"', 'namespace "team-a"'), { ...env, NOMAD_NAMESPACE: 'team-a' }),
    ).toEqual([]);
    expect(missing(policyWithRegistryVariables(shipped), { ...env, NOMAD_NAMESPACE: 'team-a' })).toContain(
      '"write" on variables path "nomad/jobs/devpod-*" in namespace "team-a" (NOMAD_REGISTRY_AUTH=job: create and start keep the registry password in the workspace job\'s variable)',
    );
  });
});
