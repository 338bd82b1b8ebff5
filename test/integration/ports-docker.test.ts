// Workspace ports reachable without SSH on Nomad's docker driver (an agent of its own on the harness's Docker
// engine): machine mode, where docker maps the dynamic host port to the workspace port, and native mode, where
// NOMAD_PORTS=devcontainer publishes a devcontainer's forwardPorts. An HTTP server started through `command` is
// reached from the host at the address `status --output json` reports, with no session open; the Nomad-native
// service lists it; stop deregisters it, start publishes it again, delete leaves none. Loopback only. raw_exec,
// job templates and host networks: ports.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceName } from '../../src/adapters/jobspec/ports.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { nativeJobId } from '../../src/native/devcontainer.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { busyboxRootfs, importImage } from '../helpers/images.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';
import { eventually, httpGet, serviceListing, statusPorts } from '../helpers/ports.js';

const work = mkdtempSync(join(tmpdir(), 'ports-docker-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('published ports on docker (machine mode, a real Docker engine)', () => {
  const IMAGE = 'devpod-test/busybox:1';
  const endpoint = inject('dockerEndpoint');
  const machine = uniqueId('dports');
  const jobId = jobIdFor(machine);
  const service = serviceName(jobId, 'web');
  let agent: NomadAgent;
  let nomad: NomadClient;
  const env = () => devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: IMAGE, NOMAD_PORTS: 'web=3000' });
  // busybox httpd on the workspace port itself: docker maps the host port to it. It daemonizes, so `command` ends.
  const httpd = 'mkdir -p /tmp/www && echo "hello from the container" > /tmp/www/index.html && httpd -p 3000 -h /tmp/www';

  beforeAll(async () => {
    importImage(dockerCli(endpoint), busyboxRootfs(work), IMAGE);
    agent = await startNomadAgent({ dockerEndpoint: endpoint });
    nomad = clientFor(agent.address);
  }, 180_000);

  afterAll(async () => {
    await nomad?.jobs.purge(jobId).catch(() => undefined);
    await agent?.stop();
  });

  it('maps a dynamic host port to port 3000 in the container, reachable at the reported address', async () => {
    const r = await cli(['create'], env());
    expect(r.code, r.stderr).toBe(0);
    const { ports } = await statusPorts(env());
    expect(ports).toEqual([{ label: 'web', port: 3000, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/), service }]);
    const address = ports[0]!.address;
    expect(address).not.toBe('127.0.0.1:3000');
    expect((await cli(['command'], { ...env(), COMMAND: httpd })).code).toBe(0);
    expect(await eventually(() => httpGet(address))).toEqual({ status: 200, body: 'hello from the container\n' });
    expect(await serviceListing(nomad, service, [address])).toEqual([address]);
  });

  it('stop deregisters, start publishes again and the app answers again, delete leaves none', async () => {
    expect((await cli(['stop'], env())).code).toBe(0);
    expect(await serviceListing(nomad, service, [])).toEqual([]);
    expect((await statusPorts(env())).ports).toEqual([]);
    expect((await cli(['start'], env())).code).toBe(0);
    const address = (await statusPorts(env())).ports[0]!.address;
    expect(await serviceListing(nomad, service, [address])).toEqual([address]);
    expect((await cli(['command'], { ...env(), COMMAND: httpd })).code).toBe(0);
    expect((await eventually(() => httpGet(address)))?.body).toBe('hello from the container\n');
    expect((await cli(['delete'], env())).code).toBe(0);
    expect(await serviceListing(nomad, service, [])).toEqual([]);
  });
  describe("native mode: NOMAD_PORTS=devcontainer publishes the devcontainer's forwardPorts", () => {
    const dc = uniqueId('dcports');
    const dcJob = nativeJobId(dc);
    const dcService = serviceName(dcJob, 'web-app');
    const nenv = () => ({
      ...devpodEnv('unused', { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'docker', NOMAD_PORTS: 'devcontainer' }),
      MACHINE_ID: '',
      DEVCONTAINER_ID: dc,
    });
    // As DevPod passes a devcontainer.json with "forwardPorts": [3000] and a label for it: in the metadata label.
    const runOptions = {
      uid: dc,
      image: IMAGE,
      user: 'root',
      entrypoint: '/bin/sh',
      cmd: ['-c', "trap 'exit 0' TERM; while :; do sleep 1; done"],
      labels: [`devcontainer.metadata=${JSON.stringify([{ forwardPorts: [3000], portAttributes: { '3000': { label: 'Web App' } } }])}`],
    };

    afterAll(async () => {
      await nomad?.jobs.purge(dcJob).catch(() => undefined);
    });

    it('runs the devcontainer with port 3000 published, reachable at the address status reports', async () => {
      const r = await cli(['native', 'run'], { ...nenv(), DEVCONTAINER_RUN_OPTIONS: JSON.stringify(runOptions) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('NOMAD_PORTS=devcontainer: publishing web-app=3000');
      const { ports } = await statusPorts({ ...nenv(), MACHINE_ID: `dc-${dc}` });
      expect(ports).toEqual([{ label: 'web-app', port: 3000, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/), service: dcService }]);
      const address = ports[0]!.address;
      expect(r.stderr).toContain(`port web-app (3000) published at ${address}`);
      expect((await cli(['native', 'command'], { ...nenv(), DEVCONTAINER_USER: 'root', DEVCONTAINER_COMMAND: httpd })).code).toBe(0);
      expect((await eventually(() => httpGet(address)))?.body).toBe('hello from the container\n');
      expect(await serviceListing(nomad, dcService, [address])).toEqual([address]);
    });

    it('native stop deregisters it, native start publishes it again, native delete leaves none', async () => {
      expect((await cli(['native', 'stop'], nenv())).code).toBe(0);
      expect(await serviceListing(nomad, dcService, [])).toEqual([]);
      expect((await cli(['native', 'start'], nenv())).code).toBe(0);
      const { ports } = await statusPorts({ ...nenv(), MACHINE_ID: `dc-${dc}` });
      expect(await serviceListing(nomad, dcService, [ports[0]!.address])).toEqual([ports[0]!.address]);
      expect((await cli(['native', 'command'], { ...nenv(), DEVCONTAINER_USER: 'root', DEVCONTAINER_COMMAND: httpd })).code).toBe(0);
      expect((await eventually(() => httpGet(ports[0]!.address)))?.status).toBe(200);
      expect((await cli(['native', 'delete'], nenv())).code).toBe(0);
      expect(await serviceListing(nomad, dcService, [])).toEqual([]);
    });
  });
});
