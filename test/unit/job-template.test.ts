// NOMAD_JOB_TEMPLATE's pure parts: placeholders, the merge, and every way a template breaks the contract. Parsing HCL
// and running a merged job are tested against the real agent (test/integration/job-template.test.ts).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/index.js';
import { fillPlaceholders, mergeTemplate, parseJsonTemplate, placeholderValues, TemplateError } from '../../src/adapters/jobspec/template.js';
import { buildWorkspaceJob } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadJob, NomadTask } from '../../src/adapters/nomad/types.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const cfg = loadConfig(
  {
    NOMAD_ADDR: 'http://127.0.0.1:4646',
    NOMAD_DRIVER: 'docker',
    NOMAD_IMAGE: 'busybox:1.36',
    NOMAD_CONSTRAINTS: '[{"attribute": "${attr.kernel.name}", "value": "linux"}]',
  },
  { cwd: '/' },
);
const ours = buildWorkspaceJob({ machineId: 'team-ws', providerVersion: 'test' }, cfg);
const T = { path: 'job.hcl' };
const oursNspawn = buildWorkspaceJob({ machineId: 'team-ws', providerVersion: 'test' }, loadConfig({ NOMAD_DRIVER: 'nspawn' }, { cwd: '/' }));

const template = (
  o: Partial<NomadJob> = {},
  tasks: object[] = [
    { Name: 'workspace', Env: { TEAM: 'a' }, Config: { mount: [{ type: 'tmpfs', target: '/scratch' }], image: 'theirs' } },
    { Name: 'proxy', Driver: 'docker', Config: { image: 'envoy' } },
  ],
): NomadJob => ({
  ID: 'devpod-team-ws',
  Meta: { team: 'platform' },
  Constraints: [{ LTarget: '${meta.pool}', Operand: '=', RTarget: 'dev' }],
  TaskGroups: [{ Name: 'dev', Count: 1, Update: { MaxParallel: 2 }, Networks: [{ Mode: 'bridge' }], Tasks: tasks as NomadTask[] }],
  ...o,
});

describe('job template placeholders', () => {
  it("fills the known ones and leaves Nomad's own interpolations alone", () => {
    const text =
      'job "${JOB_ID}" { meta { m = "${MACHINE_ID}" } constraint { attribute = "${attr.kernel.name}" } env { A = "${NOMAD_ALLOC_DIR}" } image = "${IMAGE}" }';
    const out = fillPlaceholders(
      { path: 'x.hcl', format: 'hcl', text },
      placeholderValues(ours, { machineId: 'team-ws', volumeMount: '/workspaces' }),
    );
    expect(out).toBe(
      'job "devpod-team-ws" { meta { m = "team-ws" } constraint { attribute = "${attr.kernel.name}" } env { A = "${NOMAD_ALLOC_DIR}" } image = "busybox:1.36" }',
    );
  });

  it('escapes values for the language, so a value cannot end the string or start an HCL template', () => {
    const values = { ...placeholderValues(ours, { machineId: 'm' }), WORKSPACE_ID: 'a"b\\c${x}%{y}' };
    expect(fillPlaceholders({ path: 'x.hcl', format: 'hcl', text: '"${WORKSPACE_ID}"' }, values)).toBe('"a\\"b\\\\c$${x}%%{y}"');
    const json = fillPlaceholders({ path: 'x.json', format: 'json', text: '{"W": "${WORKSPACE_ID}"}' }, values);
    expect(JSON.parse(json)).toEqual({ W: 'a"b\\c${x}%{y}' });
  });

  it('reads a JSON template as {"Job": …} or as the job object, and names the file when it is not JSON', () => {
    expect(parseJsonTemplate({ path: 'j.json', format: 'json', text: '' }, '{"Job": {"ID": "x"}}').ID).toBe('x');
    expect(parseJsonTemplate({ path: 'j.json', format: 'json', text: '' }, '{"ID": "y"}').ID).toBe('y');
    expect(() => parseJsonTemplate({ path: 'j.json', format: 'json', text: '' }, '{"ID": ')).toThrow(
      /^NOMAD_JOB_TEMPLATE="j.json" cannot be used: it is not valid JSON/,
    );
    expect(() => parseJsonTemplate({ path: 'j.json', format: 'json', text: '' }, '[1]')).toThrow(/expected a Nomad job in JSON/);
  });
});

describe('merging the workspace job into a template', () => {
  const merged = mergeTemplate(T, template(), ours);
  const group = merged.TaskGroups![0]!;
  const ws = group.Tasks.find((t) => t.Name === 'workspace')!;

  it("keeps the template's sidecar, network and meta, and combines constraints and env with the provider's", () => {
    expect(group.Tasks.map((t) => t.Name)).toEqual(['workspace', 'proxy']);
    expect(group.Networks).toEqual([{ Mode: 'bridge' }]);
    expect(merged.Meta).toMatchObject({ team: 'platform', devpod_machine_id: 'team-ws' });
    expect(merged.Constraints).toEqual([
      { LTarget: '${meta.pool}', Operand: '=', RTarget: 'dev' },
      { LTarget: '${attr.kernel.name}', Operand: '=', RTarget: 'linux' },
    ]);
    expect(ws.Env).toMatchObject({ TEAM: 'a' });
  });

  it('gives the provider the job id, type, group name and count, update block, driver, resources and image', () => {
    expect([merged.ID, merged.Type, group.Name, group.Count]).toEqual(['devpod-team-ws', 'service', 'workspace', 1]);
    expect(group.Update).toEqual({ MaxParallel: 0 });
    expect(ws.Driver).toBe('docker');
    expect(ws.Resources).toEqual(ours.TaskGroups![0]!.Tasks[0]!.Resources);
    expect((ws.Config as { image: string }).image).toBe('busybox:1.36');
    // List-valued driver config is combined, the template's entries first.
    expect((ws.Config as { mount: unknown[] }).mount[0]).toEqual({ type: 'tmpfs', target: '/scratch' });
  });

  it("drops the template's update block for a batch (native) job, which Nomad would refuse", () => {
    const native = buildDevcontainerJob('abc', { image: 'busybox:1.36' } as never, cfg, { providerVersion: 'test' });
    const m = mergeTemplate(T, template({ ID: undefined }), native);
    expect(m.Type).toBe('batch');
    expect(m.TaskGroups![0]!.Update).toBeUndefined();
  });

  it.each([
    [
      'a conflicting job id',
      template({ ID: 'someone-else' }),
      /its job ID "someone-else" is not the workspace's "devpod-team-ws" \(leave ID out, or write \$\{JOB_ID\}\)/,
    ],
    ['another namespace', template({ Namespace: 'prod' }), /its namespace "prod" is not the provider's "default"/],
    [
      'no workspace task',
      template({}, [{ Name: 'app', Driver: 'docker' }]),
      /its group has no task named "workspace" \(tasks: app\): expected the task the provider runs and execs into/,
    ],
    [
      'two groups',
      template({
        TaskGroups: [
          { Name: 'a', Tasks: [{ Name: 'workspace', Driver: 'docker' }] },
          { Name: 'b', Tasks: [] },
        ],
      }),
      /it has 2 task groups: expected exactly one/,
    ],
    [
      'count 3',
      template({ TaskGroups: [{ Name: 'a', Count: 3, Tasks: [{ Name: 'workspace', Driver: 'docker' }] }] }),
      /its group has count 3: a workspace is one allocation/,
    ],
    [
      'another driver',
      template({}, [{ Name: 'workspace', Driver: 'exec' }]),
      /its "workspace" task uses driver "exec", the provider's is "docker" \(set NOMAD_DRIVER=exec, or leave driver out\)/,
    ],
    [
      'a dotted meta key on nspawn',
      template({ Meta: { 'team.name': 'a' } }),
      /its meta key "team.name" is not an environment variable name, and the nspawn driver refuses the task over it \(NOMAD_META_team.name\)/,
      oursNspawn,
    ],
    [
      'boot = false on nspawn',
      template({}, [{ Name: 'workspace', Config: { boot: false } }]),
      /its "workspace" task sets boot = false, and the nspawn driver runs every command with systemd-run --machine, which needs the image's systemd booted \(boot = true\): leave boot out/,
      oursNspawn,
    ],
    [
      'process_two on nspawn',
      template({}, [{ Name: 'workspace', Config: { process_two: true } }]),
      /its "workspace" task sets process_two = true \(a stub init instead of systemd\), and the nspawn driver runs every command with systemd-run --machine, which needs the image's systemd booted \(boot = true\): leave process_two out/,
      oursNspawn,
    ],
    [
      "an nspawn setting other than the provider's",
      template({}, [{ Name: 'workspace', Config: { network_veth: true } }]),
      /its "workspace" task sets network_veth = true, the provider's is false \(set it in NOMAD_NSPAWN_CONFIG_JSON, or leave network_veth out\)/,
      oursNspawn,
    ],
  ])('refuses a template with %s, naming NOMAD_JOB_TEMPLATE and the file', (_, t, message, base = ours) => {
    const err = (() => {
      try {
        mergeTemplate(T, t, base);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as Error).message).toMatch(/^NOMAD_JOB_TEMPLATE="job.hcl" cannot be used: /);
    expect((err as Error).message).toMatch(message);
  });
});

describe('NOMAD_JOB_TEMPLATE as an option', () => {
  it("is read relative to the working directory, HCL unless it ends in .json; a repository's file may not name one", () => {
    const repo = mkdtempSync(join(tmpdir(), 'tpl-'));
    mkdirSync(join(repo, '.devpod'));
    writeFileSync(join(repo, '.devpod', 'team.json'), '{"Job": {}}');
    const c = loadConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646', NOMAD_JOB_TEMPLATE: '.devpod/team.json' }, { cwd: repo });
    expect(c.jobTemplate).toEqual({ path: '.devpod/team.json', format: 'json', text: '{"Job": {}}' });
    writeFileSync(join(repo, '.devpod', 'nomad.yaml'), 'NOMAD_JOB_TEMPLATE: team.json\n');
    expect(() => loadConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646' }, { cwd: repo })).toThrow(
      /NOMAD_JOB_TEMPLATE="team.json" is set in .*, a repository's file, which may not set it/,
    );
  });

  it('names the option and the file it could not read', () => {
    expect(() => loadConfig({ NOMAD_JOB_TEMPLATE: 'missing.hcl' }, { cwd: '/nonexistent' })).toThrow(
      /^NOMAD_JOB_TEMPLATE="missing.hcl" is not valid: expected a readable Nomad job file, HCL or \.json \(ENOENT reading \/nonexistent\/missing\.hcl\)$/,
    );
  });
});
