// Running test/nomad-api-check (scripts/nomad-api-check-binary builds it) on request bodies: which endpoint a
// recorded request went to, the cases the checker must refuse, and the run itself. Used by nomad-api.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecordedRequest } from './request-recorder.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface CheckCase {
  name: string;
  kind: string;
  body: unknown;
}
export interface Report {
  cases: Array<{ name: string; kind: string; ok: boolean; error?: string }>;
  routes: Record<string, string>;
}

/** The endpoint a recorded request went to, as the checker names it, and its path with ids as "ID". */
export const ROUTES: Array<[RegExp, string]> = [
  [/^PUT \/v1\/jobs$/, 'job-register'],
  [/^PUT \/v1\/job\/[^/]+\/plan$/, 'job-plan'],
  [/^PUT \/v1\/validate\/job$/, 'job-validate'],
  [/^PUT \/v1\/jobs\/parse$/, 'jobs-parse'],
  [/^PUT \/v1\/volume\/host\/create$/, 'host-volume-create'],
  [/^DELETE \/v1\/volume\/host\/[^/]+$/, 'host-volume-delete'],
  [/^PUT \/v1\/volume\/csi\/[^/]+\/create$/, 'csi-volume-create'],
  [/^DELETE \/v1\/volume\/csi\/[^/]+\/delete$/, 'csi-volume-delete'],
  [/^PUT \/v1\/var\/nomad\/jobs\/[^/]+$/, 'variable-put'],
  [/^DELETE \/v1\/var\/nomad\/jobs\/[^/]+$/, 'variable-delete'],
];
export const kindOf = (r: RecordedRequest) => ROUTES.find(([re]) => re.test(`${r.method} ${r.path}`))?.[1];
/** The request line with the workspace's ids replaced, comparable with the API module's own. */
export const routeOf = (r: RecordedRequest, ids: string[]) => ids.reduce((line, id) => line.split(id).join('ID'), `${r.method} ${r.path}`);

type Obj = Record<string, unknown>;
/** The workspace task of a copy of a register body: { Job: { TaskGroups: [{ Tasks: [task] }] } }. */
const taskOf = (body: Obj) => (((body.Job as Obj).TaskGroups as Obj[])[0]!.Tasks as Obj[])[0] as Obj;

/** Bodies that must fail: each a mistake the check exists to catch. */
export function negatives(sent: CheckCase[]): CheckCase[] {
  const register = sent.find((c) => c.kind === 'job-register' && /Vault secrets/.test(c.name) && /1\.6\.1/.test(c.name))!;
  const copy = () => structuredClone(register.body) as Obj;
  const unknown = copy();
  const vault = taskOf(unknown).Vault as Obj;
  vault.Policy = vault.Policies;
  delete vault.Policies;
  const mistyped = copy();
  (taskOf(mistyped).Resources as Obj).MemoryMB = '512';
  const cased = copy();
  const job = cased.Job as Obj;
  job.Taskgroups = job.TaskGroups;
  delete job.TaskGroups;
  return [
    { name: 'negative: an unknown field (Vault.Policy)', kind: 'job-register', body: unknown },
    { name: 'negative: a mistyped field (MemoryMB as a string)', kind: 'job-register', body: mistyped },
    { name: 'negative: a field spelled in another case (Taskgroups)', kind: 'job-register', body: cased },
    { name: 'negative: a body on a host volume delete', kind: 'host-volume-delete', body: { ID: 'x' } },
  ];
}

/** Builds (or finds) the checker and runs it on `cases`, written to `file`. */
export function runChecker(file: string, cases: CheckCase[]): { status: number | null; stderr: string; report: Report } {
  const bin = execFileSync(join(root, 'scripts', 'nomad-api-check-binary'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  writeFileSync(file, JSON.stringify(cases));
  const run = spawnSync(bin, [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!run.stdout) throw new Error(`nomad-api-check printed no report (exit ${run.status}): ${run.stderr}`);
  return { status: run.status, stderr: run.stderr, report: JSON.parse(run.stdout) as Report };
}
