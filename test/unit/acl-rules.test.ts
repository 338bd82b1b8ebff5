// Nomad ACL rules as `init` reads them: each case is a policy text and what a token holding it may do, as Nomad
// 1.11 decides it (acl/policy.go, acl/acl.go). The shipped policy is also checked against a real cluster in
// test/integration/secure-cluster.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addRules, emptyGrants, missingNeeds, RulesError, type Need } from '../../src/adapters/nomad/acl-rules.js';

const ns = (capability: string, name = 'default'): Need => ({ scope: 'namespace', name, capability, why: 'test' });
const hv = (name: string, capability: 'mount-readonly' | 'mount-readwrite'): Need => ({ scope: 'host_volume', name, capability, why: 'test' });
const granted = (rules: string[], need: Need) => missingNeeds(rules.reduce((g, r) => addRules(g, r), emptyGrants()), [need]).length === 0;

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
    ['the exact namespace wins over a glob', ['namespace "*" { policy = "write" }\nnamespace "default" { policy = "read" }'], ns('submit-job'), false],
    ['the closest glob wins', ['namespace "*" { policy = "read" }\nnamespace "team-*" { policy = "write" }'], ns('submit-job', 'team-a'), true],
    ['capabilities add up across policies', ['namespace "default" { capabilities = ["read-job"] }', 'namespace "default" { capabilities = ["alloc-exec"] }'], ns('alloc-exec'), true],
    ['deny in any policy wins', ['namespace "default" { policy = "write" }', 'namespace "default" { policy = "deny" }'], ns('read-job'), false],
    ['host volume write allows a read-write mount', ['host_volume "devpod-*" { policy = "write" }'], hv('devpod-ws1', 'mount-readwrite'), true],
    ['host volume read allows only read-only mounts', ['host_volume "devpod-*" { policy = "read" }'], hv('devpod-ws1', 'mount-readwrite'), false],
    ['node read', ['node { policy = "read" }'], { scope: 'node', capability: 'read', why: 'test' }, true],
    ['node deny', ['node { policy = "write" }', 'node { policy = "deny" }'], { scope: 'node', capability: 'read', why: 'test' }, false],
    ['comments of every kind', ['# a\n// b\n/* c */ namespace "default" { # d\n capabilities = ["alloc-exec", # e\n ] }'], ns('alloc-exec'), true],
    ['JSON rules', ['{"namespace": {"default": {"policy": "read", "capabilities": ["alloc-exec"]}}, "node": {"policy": "read"}}'], ns('alloc-exec'), true],
    ['JSON rules, shorthand', ['{"namespace": {"default": {"policy": "read"}}}'], ns('read-job'), true],
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
