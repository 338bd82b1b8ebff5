// The trust boundary through the real binary: `devpod up` in someone else's repository runs the provider in that
// repository, which reads its .devpod/nomad.yaml. What the file may not set is refused before any request (a
// recording proxy in front of the real agent, and the address the file names, see nothing); plan says where each
// value came from; a refused registration leaves no registry password behind; and in native mode the job holds
// exactly what docs/security.md says a job reader sees.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { nativeJobId } from '../../src/native/devcontainer.js';
import { BAD_FILE_INPUT } from '../helpers/bad-input.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';

const nomad = sharedClient();
let proxy: RecordingProxy;

/** A repository checked out somewhere, with `options` as its .devpod/nomad.yaml; returns its folder and the file. */
function repository(options: Record<string, string>): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'someone-elses-repo-'));
  mkdirSync(join(dir, '.devpod'));
  const file = join(dir, '.devpod', 'nomad.yaml');
  writeFileSync(file, YAML.stringify(options));
  return { dir, file };
}

beforeAll(async () => {
  proxy = await startRecordingProxy(inject('nomadAddr'));
});
afterAll(() => proxy?.close());

describe("a repository's .devpod/nomad.yaml that sets what only the person may set", () => {
  it.each(BAD_FILE_INPUT)('is refused before any request: %s', async (_what, fileOptions, extra, message) => {
    const repo = repository(fileOptions);
    const machine = uniqueId('trust');
    proxy.requests.length = 0;
    const r = await cli(['create'], devpodEnv(machine, { NOMAD_ADDR: proxy.address, NOMAD_DRIVER: '', ...extra }), undefined, { cwd: repo.dir });
    expect(r.stderr).toContain(`error: ${message(repo.file)}`);
    expect([r.code, r.stdout.length]).toEqual([1, 0]);
    expect(proxy.requests).toEqual([]);
    for (const [name, value] of Object.entries(fileOptions)) if (/TOKEN|PASSWORD|HTTP_AUTH/.test(name)) expect(r.stderr).not.toContain(value);
  });

  describe('naming another Nomad', () => {
    let elsewhere: Server;
    let connections = 0;
    beforeAll(async () => {
      elsewhere = createServer((s) => {
        connections++;
        s.destroy();
      });
      await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise<void>((r) => elsewhere.close(() => r())));

    it('sends neither the token nor anything else there, in any command', async () => {
      const port = (elsewhere.address() as { port: number }).port;
      const repo = repository({ NOMAD_ADDR: `http://127.0.0.1:${port}`, NOMAD_TOKEN: 'repository-token' });
      const env = devpodEnv(uniqueId('trust'), { NOMAD_ADDR: proxy.address, NOMAD_TOKEN: 'the-persons-token', COMMAND: 'true' });
      proxy.requests.length = 0;
      for (const command of [['init'], ['create'], ['start'], ['status'], ['command'], ['stop'], ['delete'], ['plan']]) {
        const r = await cli(command, env, undefined, { cwd: repo.dir });
        expect(r.code, command[0]).toBe(1);
        expect(r.stderr, command[0]).toContain(
          `error: 2 options are invalid:\n- NOMAD_ADDR="http://127.0.0.1:${port}" is set in ${repo.file}, a repository's file, which may not set it`,
        );
        expect(r.stderr).not.toMatch(/the-persons-token|repository-token/);
      }
      expect(connections).toBe(0);
      expect(proxy.requests).toEqual([]);
    });
  });
});

describe('plan', () => {
  it("says where each value came from: --set, the person's options, the repository's file, or the default", async () => {
    const repo = repository({ NOMAD_CPU: '120', NOMAD_MEMORYMB: '1GB', NOMAD_IMAGE: 'debian:12' });
    const env = devpodEnv(uniqueId('trust'), { NOMAD_CPU: '', NOMAD_TOKEN: 'c0ffee00-9a1e-4000-8000-00000000a11e' });
    const r = await cli(['plan', '--set', 'NOMAD_DISKMB=400'], env, undefined, { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout.toString();
    expect(text).toMatch(new RegExp(`\\n  NOMAD_CPU=120 +file ${repo.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(text).toMatch(/\n {2}NOMAD_MEMORYMB=64 +environment \(provider options\)\n/);
    expect(text).toMatch(/\n {2}NOMAD_DISKMB=400 +flag \(--set\)\n/);
    expect(text).toMatch(/\n {2}NOMAD_TOKEN=<redacted> +environment \(provider options\)\n/);
    expect(text).toMatch(/\n {2}default: .*NOMAD_DOCKER_ACCESS/);
    expect(text).not.toContain('c0ffee00-9a1e-4000-8000-00000000a11e');
    const json = JSON.parse((await cli(['plan', '--output', 'json'], env, undefined, { cwd: repo.dir })).stdout.toString()) as {
      options: Array<{ name: string; origin: string; value?: string }>;
    };
    const by = Object.fromEntries(json.options.map((o) => [o.name, o]));
    expect([by.NOMAD_CPU, by.NOMAD_IMAGE, by.NOMAD_VOLUME_TYPE]).toEqual([
      { name: 'NOMAD_CPU', origin: 'file', value: '120' },
      { name: 'NOMAD_IMAGE', origin: 'file', value: 'debian:12' },
      { name: 'NOMAD_VOLUME_TYPE', origin: 'default' },
    ]);
  });
});

describe('the registry password of a registration Nomad refuses', () => {
  it('is not left in a Nomad Variable', async () => {
    const machine = uniqueId('trust-reg');
    const jobId = jobIdFor(machine);
    const r = await cli(
      ['create'],
      devpodEnv(machine, {
        NOMAD_DRIVER: 'docker',
        NOMAD_REGISTRY_AUTH: 'job',
        NOMAD_REGISTRY_USERNAME: 'robot',
        NOMAD_REGISTRY_PASSWORD: 'hunter2-left-behind',
        // Nomad refuses the job at registration: the node pool does not exist.
        NOMAD_NODE_POOL: 'no-such-pool',
      }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no-such-pool/);
    expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
    expect((await nomad.variables.read(registryVariablePath(jobId))).data).toBeUndefined();
  });
});

describe('native mode: what a reader of the job sees (docs/security.md)', () => {
  const id = uniqueId('trust-dc');
  afterAll(async () => {
    await nomad.jobs.purge(nativeJobId(id)).catch(() => undefined);
  });

  it("devcontainer.json's containerEnv and labels, as DevPod passes them, and none of the person's provider options", async () => {
    const env = {
      ...devpodEnv('unused'),
      MACHINE_ID: '',
      DEVCONTAINER_ID: id,
      NOMAD_TOKEN: 'c0ffee-native-token',
      NOMAD_HTTP_AUTH: 'me:native-proxy-password',
      DEVCONTAINER_RUN_OPTIONS: JSON.stringify({
        uid: id,
        image: 'mcr.microsoft.com/devcontainers/base:ubuntu',
        user: 'root',
        env: { FROM_CONTAINER_ENV: 'visible-container-env' },
        labels: ['devcontainer.metadata=[{"remoteEnv":{"FROM_REMOTE_ENV":"visible-remote-env"}}]'],
      }),
    };
    const r = await cli(['native', 'run'], env);
    expect(r.code, r.stderr).toBe(0);
    const job = (await nomad.jobs.read(nativeJobId(id))).data!;
    const text = JSON.stringify(job);
    expect(job.TaskGroups![0]!.Tasks[0]!.Env).toEqual({ FROM_CONTAINER_ENV: 'visible-container-env' });
    expect(JSON.parse(job.Meta!.devcontainer_labels!)['devcontainer.metadata']).toContain('visible-remote-env');
    expect(text).not.toMatch(/c0ffee-native-token|native-proxy-password/);
    expect((await cli(['native', 'delete'], env)).code).toBe(0);
  });
});
