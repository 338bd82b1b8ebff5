// Every request body the provider builds, for each Nomad version it serves, decoded strictly into the request types
// of Nomad's own Go API module at its newest version (test/nomad-api-check, built by scripts/nomad-api-check-binary):
// what cannot run here (Nomad ≥ 1.7 is BUSL) is at least written as that Nomad's own types define it. The bodies
// come from the provider's builders and its Nomad client, sent to a recorder on loopback (request-recorder.ts) that
// answers /v1/agent/members with the version under test. What this cannot prove (behaviour, answers) is said in
// docs/nomad-versions.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NomadJob } from '../../src/adapters/nomad/types.js';
import { commandContext } from '../../src/cli/context.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { parseRunOptions } from '../../src/native/run-options.js';
import { removeRegistryCredential, storeRegistryCredential } from '../../src/workspace/registry-credential.js';
import { ensureWorkspaceVolume, removeWorkspaceVolume } from '../../src/workspace/volume.js';
import { type CheckCase, kindOf, negatives, type Report, ROUTES, routeOf, runChecker } from '../helpers/nomad-api-check.js';
import { RECORDED_HOST_VOLUME, type RequestRecorder, startRequestRecorder } from '../helpers/request-recorder.js';
import { CHECKED_VERSIONS, HCL_TEMPLATE, OPTION_SETS, jobTemplates } from '../helpers/nomad-api-cases.js';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'nomad-api-'));
let recorder: RequestRecorder;

const sent: CheckCase[] = [];
const routesSent = new Map<string, Set<string>>();
const refused: string[] = [];
let report: Report;

/** Everything create, plan, init (validate), native run and delete send for one option set on one Nomad version. */
async function record(version: string | undefined, set: string, env: Record<string, string>): Promise<void> {
  recorder.serverVersion = version;
  recorder.requests.length = 0;
  const machineId = `api-${set.replace(/\W+/g, '-')}`;
  const ctx = commandContext({ ...env, NOMAD_ADDR: recorder.address, MACHINE_ID: machineId });
  const { nomad, config, workspace } = ctx;
  let job: NomadJob;
  let nativeJob: NomadJob;
  try {
    job = await ctx.job();
    const opts = parseRunOptions(JSON.stringify({ image: 'mcr.microsoft.com/devcontainers/base:ubuntu', user: 'vscode', env: { A: '1' } }));
    nativeJob = await ctx.job((c) => buildDevcontainerJob('dc1', opts, config, { providerVersion: 'test' }, c));
  } catch (err) {
    // The provider refuses, before anything is sent, what the servers are too old for: nothing to check.
    refused.push(`${version ?? 'unknown'} / ${set}: ${(err as Error).message}`);
    expect(recorder.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    return;
  }
  await storeRegistryCredential(workspace);
  await ensureWorkspaceVolume(workspace);
  for (const j of [job, nativeJob]) {
    await nomad.jobs.register(j);
    await nomad.jobs.plan(j);
    await nomad.jobs.validate(j);
  }
  // An HCL NOMAD_JOB_TEMPLATE goes through the agent's parser (template.ts); the request is the same for any text.
  if (set === 'docker defaults') await nomad.jobs.parse(HCL_TEMPLATE);
  await removeRegistryCredential(workspace, job);
  await removeWorkspaceVolume(workspace);

  const ids = [nativeJob.ID, workspace.jobId, RECORDED_HOST_VOLUME];
  const seen = new Map<string, number>();
  for (const r of recorder.requests) {
    if (r.method === 'GET') continue;
    const kind = kindOf(r);
    expect(kind, `${r.method} ${r.path} is a request the checker knows`).toBeDefined();
    const n = (seen.get(kind!) ?? 0) + 1;
    seen.set(kind!, n);
    sent.push({ name: `Nomad ${version ?? 'unknown'} / ${set} / ${kind} #${n}`, kind: kind!, body: r.body });
    if (!routesSent.has(kind!)) routesSent.set(kind!, new Set());
    routesSent.get(kind!)!.add(routeOf(r, ids));
  }
}

beforeAll(async () => {
  recorder = await startRequestRecorder();
  const templates = jobTemplates(work);
  // The commands' progress lines (stderr) say nothing here; a failing expectation does.
  const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    for (const version of CHECKED_VERSIONS) {
      for (const [set, env] of Object.entries(OPTION_SETS(templates, version))) await record(version, set, env);
    }
  } finally {
    quiet.mockRestore();
  }
  const run = runChecker(join(work, 'cases.json'), [...sent, ...negatives(sent)]);
  expect(run.status, run.stderr).toBe(1); // the negative cases fail, so the run does
  report = run.report;
  // NOMAD_API_REPORT=<file> keeps every body and verdict, to read what was checked.
  if (process.env.NOMAD_API_REPORT)
    writeFileSync(
      process.env.NOMAD_API_REPORT,
      JSON.stringify({ report, sent, refused, routes: [...routesSent].map(([k, v]) => [k, [...v]]) }, null, 1),
    );
}, 600_000);

afterAll(async () => {
  await recorder?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("request bodies against Nomad's API types (github.com/hashicorp/nomad/api)", () => {
  it('covers every Nomad version served and every kind of request', () => {
    for (const v of CHECKED_VERSIONS) expect(sent.some((c) => c.name.startsWith(`Nomad ${v ?? 'unknown'} /`))).toBe(true);
    expect(new Set(sent.map((c) => c.kind))).toEqual(new Set(ROUTES.map(([, kind]) => kind)));
  });

  it('decodes every body the provider builds, strictly', () => {
    const failed = report.cases.filter((c) => !c.name.startsWith('negative:') && !c.ok).map((c) => `${c.name}: ${c.error}`);
    expect(failed).toEqual([]);
    expect(report.cases.filter((c) => c.ok).length).toBe(sent.length);
  });

  it.each([
    ['negative: an unknown field (Vault.Policy)', /unknown field "Policy"/],
    ['negative: a mistyped field (MemoryMB as a string)', /cannot unmarshal string into Go struct field .*MemoryMB of type int/],
    ['negative: a field spelled in another case (Taskgroups)', /field \.Job\.Taskgroups is spelled "TaskGroups"/],
    ['negative: a body on a host volume delete', /host-volume-delete carries no body/],
  ])('fails %s', (name, error) => {
    const c = report.cases.find((r) => r.name === name)!;
    expect(c.ok).toBe(false);
    expect(c.error).toMatch(error);
  });

  it("sends each request to the path the API module's own client uses", () => {
    for (const [kind, paths] of routesSent) expect([...paths], kind).toEqual([report.routes[kind]]);
  });

  it('refuses, before sending anything, only dynamic host volumes on Nomad before 1.10', () => {
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatch(/^1\.[6-9]\.\d+ \/ .*dynamic host volume.*: NOMAD_VOLUME_TYPE=dynamic needs Nomad 1\.10 or newer/);
  });

  it('builds with an API module under MPL-2.0 and no Nomad, Vault or Consul main module', () => {
    const dir = join(root, 'test', 'nomad-api-check');
    const license = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/hashicorp/nomad/api'], { cwd: dir, encoding: 'utf8' }).trim();
    const text = readFileSync(join(license, 'LICENSE'), 'utf8');
    expect(text).toMatch(/Mozilla Public License, version 2\.0/);
    expect(text).not.toMatch(/Business Source License/);
    const modules = execFileSync('go', ['list', '-m', 'all'], { cwd: dir, encoding: 'utf8' }).split('\n');
    expect(modules.filter((m) => /^github\.com\/hashicorp\/(nomad|vault|consul) /.test(m))).toEqual([]);
  });
});
