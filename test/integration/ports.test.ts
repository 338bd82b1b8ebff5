// Workspace ports reachable without SSH (NOMAD_PORTS): an HTTP server started in the workspace through `command`
// is reached from the host at the address `status --output json` reports once that command has ended (no exec or
// SSH session open), on raw_exec (the shared agent), in a team's job template, and from a client host_network;
// the Nomad-native service lists it, stop deregisters it, start publishes it again at a new address, delete leaves
// none. Loopback only: the agents bind 127.0.0.1 and Nomad gives the ports on it. Docker and native mode:
// ports-docker.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceName } from '../../src/adapters/jobspec/ports.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { clientFor, sharedClient, uniqueId } from '../helpers/jobs.js';
import { eventually, httpGet, serviceAddresses, serviceListing, statusPorts } from '../helpers/ports.js';

const work = mkdtempSync(join(tmpdir(), 'ports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tiny server for raw_exec: it listens where Nomad says the app should, $NOMAD_PORT_<label>, and says so. */
const SERVER = join(work, 'server.cjs');
writeFileSync(
  SERVER,
  `const port = process.env.NOMAD_PORT_web;
require('node:http').createServer((_q, s) => s.end('hello from the workspace on ' + port + ' (host port ' + process.env.NOMAD_HOST_PORT_web + ')')).listen(Number(port));
`,
);
/** Started through `command`, detached so it outlives the exec session (as a devcontainer's postStartCommand does). */
const startServer = `setsid nohup '${process.execPath}' '${SERVER}' >/dev/null 2>&1 </dev/null &`;

describe('published ports on raw_exec (machine mode, the shared agent)', () => {
  const nomad = sharedClient();
  const machine = uniqueId('ports');
  const jobId = jobIdFor(machine);
  const service = serviceName(jobId, 'web');
  const env = devpodEnv(machine, { NOMAD_PORTS: 'web=3000', NOMAD_INGRESS_DOMAIN: 'devpod.test:8080' });
  let first = '';

  afterAll(async () => {
    await nomad.jobs.purge(jobId).catch(() => undefined);
  });

  it('publishes web=3000 as a host port and a Nomad service, reachable without any session open', async () => {
    const r = await cli(['create'], env);
    expect(r.code, r.stderr).toBe(0);
    const { state, ports } = await statusPorts(env);
    expect(state).toBe('running');
    expect(ports).toEqual([
      { label: 'web', port: 3000, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/), service, url: `http://${service}.devpod.test:8080` },
    ]);
    first = ports[0]!.address;
    // create names it on stderr too, where `devpod up` shows it.
    expect(r.stderr).toContain(`${jobId}: port web (3000) published at ${first}, http://${service}.devpod.test:8080\n`);
    // On raw_exec nothing maps ports: the app listens on $NOMAD_PORT_web, which is the host port itself.
    const vars = await cli(['command'], { ...env, COMMAND: 'echo "$NOMAD_PORT_web $NOMAD_HOST_PORT_web"' });
    const hostPort = first.split(':')[1];
    expect(vars.stdout.toString()).toBe(`${hostPort} ${hostPort}\n`);

    expect((await cli(['command'], { ...env, COMMAND: startServer })).code).toBe(0);
    const got = await eventually(() => httpGet(first));
    expect(got).toEqual({ status: 200, body: `hello from the workspace on ${hostPort} (host port ${hostPort})` });
    expect(await serviceListing(nomad, service, [first])).toEqual([first]);
  });

  it('names the port in describe, and keeps status plain output one word', async () => {
    const d = await cli(['describe'], env);
    expect(d.stdout.toString()).toContain(`port:       web (3000) at ${first}, http://${service}.devpod.test:8080 (service ${service})`);
    expect((await cli(['status'], env)).stdout.toString()).toBe('Running\n');
  });

  it('stop deregisters the service and reports no ports; start publishes it again, reachable again', async () => {
    expect((await cli(['stop'], env)).code).toBe(0);
    expect((await statusPorts(env)).ports).toEqual([]);
    expect(await serviceListing(nomad, service, [])).toEqual([]);
    expect(await httpGet(first)).toBeUndefined();

    const started = await cli(['start'], env);
    expect(started.code).toBe(0);
    const { ports } = await statusPorts(env);
    expect(ports).toHaveLength(1);
    const again = ports[0]!.address;
    expect(started.stderr).toContain(`port web (3000) published at ${again}`);
    expect(await serviceListing(nomad, service, [again])).toEqual([again]);
    // The server went with the task: started again, as a devcontainer's postStartCommand would be.
    expect((await cli(['command'], { ...env, COMMAND: startServer })).code).toBe(0);
    expect((await eventually(() => httpGet(again)))?.status).toBe(200);
  });

  it('start applies the current NOMAD_PORTS: unset closes the port, another one is published instead', async () => {
    const { NOMAD_PORTS: _ports, NOMAD_INGRESS_DOMAIN: _domain, ...bare } = env;
    expect((await cli(['stop'], env)).code).toBe(0);
    const closed = await cli(['start'], bare);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stderr).toContain(`${jobId}: published ports now none (were web=3000), as NOMAD_PORTS says`);
    expect((await statusPorts(bare)).ports).toEqual([]);
    expect(await serviceListing(nomad, service, [])).toEqual([]);
    expect((await nomad.jobs.read(jobId)).data!.TaskGroups![0]!.Networks ?? null).toBeNull();

    expect((await cli(['stop'], bare)).code).toBe(0);
    const api = { ...bare, NOMAD_PORTS: 'api=8080' };
    expect((await cli(['start'], api)).code).toBe(0);
    const { ports } = await statusPorts(api);
    expect(ports.map((p) => [p.label, p.port])).toEqual([['api', 8080]]);
    expect(await serviceListing(nomad, serviceName(jobId, 'api'), [ports[0]!.address])).toEqual([ports[0]!.address]);
  });

  it('delete leaves no service', async () => {
    expect((await cli(['delete'], env)).code).toBe(0);
    expect(await serviceListing(nomad, serviceName(jobId, 'api'), [])).toEqual([]);
    expect(await serviceListing(nomad, service, [])).toEqual([]);
  });

  it('publishes nothing when NOMAD_PORTS is empty: no network, no services, ports []', async () => {
    const plain = uniqueId('noports');
    const penv = devpodEnv(plain);
    try {
      expect((await cli(['create'], penv)).code).toBe(0);
      const group = (await nomad.jobs.read(jobIdFor(plain))).data!.TaskGroups![0]!;
      expect({ networks: group.Networks ?? null, services: group.Services ?? null }).toEqual({ networks: null, services: null });
      expect((await statusPorts(penv)).ports).toEqual([]);
    } finally {
      await nomad.jobs.purge(jobIdFor(plain)).catch(() => undefined);
    }
  });
});

describe('published ports in a team job template (raw_exec, the shared agent)', () => {
  const nomad = sharedClient();
  const machine = uniqueId('tplports');
  const jobId = jobIdFor(machine);
  // The team's own port and service (HCL, parsed by the agent): ours join them, theirs stay.
  const template = join(work, 'team-ports.hcl');
  writeFileSync(
    template,
    `job "\${JOB_ID}" {
  group "dev" {
    network {
      port "metrics" {}
    }
    service {
      name     = "metrics-\${MACHINE_ID}"
      provider = "nomad"
      port     = "metrics"
    }
    task "workspace" {}
  }
}
`,
  );
  const env = devpodEnv(machine, { NOMAD_PORTS: 'web=3000', NOMAD_JOB_TEMPLATE: template });

  afterAll(async () => {
    await nomad.jobs.purge(jobId).catch(() => undefined);
  });

  it("runs with the template's port and service beside ours; status lists ours, which answers", async () => {
    const r = await cli(['create'], env);
    expect(r.code, r.stderr).toBe(0);
    const { ports } = await statusPorts(env);
    expect(ports.map((p) => [p.label, p.port])).toEqual([['web', 3000]]);
    expect(await serviceListing(nomad, serviceName(jobId, 'web'), [ports[0]!.address])).toEqual([ports[0]!.address]);
    const theirs = await eventually(async () => ((await serviceAddresses(nomad, `metrics-${machine}`)).length === 1 ? true : undefined));
    expect(theirs).toBe(true);
    expect((await cli(['command'], { ...env, COMMAND: startServer })).code).toBe(0);
    expect((await eventually(() => httpGet(ports[0]!.address)))?.status).toBe(200);
    expect((await cli(['delete'], env)).code).toBe(0);
  });
});

describe('NOMAD_PORTS_HOST_NETWORK (an agent whose client has host_network "private" on lo)', () => {
  let agent: NomadAgent;
  const machine = uniqueId('hnet');
  const env = (network: string, m = machine) =>
    devpodEnv(m, { NOMAD_ADDR: agent.address, NOMAD_PORTS: 'web=3000', NOMAD_PORTS_HOST_NETWORK: network, NOMAD_TIMEOUT: '20s' });

  beforeAll(async () => {
    agent = await startNomadAgent({ clientConfig: 'host_network "private" {\n  interface = "lo"\n}' });
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
  });

  it('takes the host port from that network, where the app answers', async () => {
    const r = await cli(['create'], env('private'));
    expect(r.code, r.stderr).toBe(0);
    const alloc = (await clientFor(agent.address).jobs.allocations(jobIdFor(machine))).data!.find((a) => a.ClientStatus === 'running')!;
    const full = (await clientFor(agent.address).allocations.read(alloc.ID)).data!;
    const { ports } = await statusPorts(env('private'));
    expect(full.Job!.TaskGroups![0]!.Networks).toEqual([
      expect.objectContaining({ DynamicPorts: [expect.objectContaining({ Label: 'web', HostNetwork: 'private' })] }),
    ]);
    expect(ports[0]!.address).toBe(`127.0.0.1:${full.AllocatedResources!.Shared!.Ports![0]!.Value}`);
    expect((await cli(['command'], { ...env('private'), COMMAND: startServer })).code).toBe(0);
    expect((await eventually(() => httpGet(ports[0]!.address)))?.status).toBe(200);
    expect((await cli(['delete'], env('private'))).code).toBe(0);
  });

  it('a network no client has: plan and create say which, nothing runs', async () => {
    const other = uniqueId('hnet-missing');
    const plan = await cli(['plan'], env('public', other));
    expect(plan.stdout.toString()).toContain('missing host network "public" for port "web"');
    expect(plan.stdout.toString()).toContain(`  publishes: port web as Nomad service ${serviceName(jobIdFor(other), 'web')}, reachable on the node`);
    const r = await cli(['create'], env('public', other));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing host network "public" for port "web"');
    await clientFor(agent.address)
      .jobs.purge(jobIdFor(other))
      .catch(() => undefined);
  });
});
