// Private registries, against a real one: Debian's docker-registry on loopback with TLS from a CA made here and
// htpasswd (bcrypt) auth (test/helpers/registry.ts), pulled from by real Nomad agents' docker driver on the harness's
// Docker engine, every provider command run through the built binary.
//
// What this proves about TLS on the Docker side, and what it does not: Docker treats every registry in 127.0.0.0/8
// as insecure, always (moby registry/config.go loadInsecureRegistries appends "127.0.0.0/8"), and for an insecure
// registry it speaks HTTPS with InsecureSkipVerify and reads no certs.d (registry.go newTLSConfig; service_v2.go
// adds a plain-HTTP fallback). The registry here speaks only TLS and asks every request for the password, so the
// engine's pulls prove the credentials travel over TLS and are checked, but NOT that Docker verifies the registry's
// CA: a CA in /etc/docker/certs.d/<host:port>/ would be ignored for this address, so none is placed there. Where a
// CA is verified is inside the workspace (NOMAD_CA_CERTS, below: curl, with and without the CA), and by this test's
// own HTTPS client.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryVariablePath } from '../../src/adapters/jobspec/registry-auth.js';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import { dockerCli } from '../harness/docker-engine.js';
import { startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { cli, devpodEnv, type CliResult } from '../helpers/cli.js';
import { busyboxRootfs, importImage, tlsClientRootfs } from '../helpers/images.js';
import { clientFor, uniqueId } from '../helpers/jobs.js';
import { startPrivateRegistry, type PrivateRegistry } from '../helpers/registry.js';
import { policyWithRegistryVariables } from '../helpers/registry-policy.js';

const work = mkdtempSync(join(tmpdir(), 'registry-'));
const endpoint = inject('dockerEndpoint');
const docker = dockerCli(endpoint);
const SHIPPED_POLICY = readFileSync('deploy/nomad-acl-policy.hcl', 'utf8');
const CA_TARGET = '/usr/local/share/ca-certificates/devpod-test-registry.crt';
let registry: PrivateRegistry;
/** busybox, and busybox with curl and update-ca-certificates, in the private registry only. */
let busybox: string;
let tlsClient: string;
/** Everything any provider command printed, searched for the passwords at the end. */
const printed: string[] = [];

const record = (r: CliResult) => {
  printed.push(r.stdout.toString(), r.stderr);
  return r;
};
const run = async (args: string[], env: Record<string, string>, stdin?: string) => record(await cli(args, env, stdin));
const hasImage = (ref: string) => {
  try {
    docker(['image', 'inspect', ref]);
    return true;
  } catch {
    return false;
  }
};
/** The image is not in the engine, so a create has to pull it. */
const removeImage = (ref: string) => {
  if (hasImage(ref)) docker(['rmi', '-f', ref]);
  expect(hasImage(ref)).toBe(false);
};
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/**
 * The registry's log lines of manifest reads (pulls) of `repo` that passed its password check ("authorized request":
 * a request without valid credentials is answered 401 before that line). There is one user.
 */
const authorizedPulls = (repo: string) =>
  readFileSync(registry.logPath, 'utf8')
    .split('\n')
    .filter(
      (l) =>
        l.includes('msg="authorized request"') &&
        / http\.request\.method=(GET|HEAD) /.test(l) &&
        l.includes(` http.request.uri=/v2/${repo}/manifests/`),
    );

beforeAll(async () => {
  registry = await startPrivateRegistry(join(work, 'registry'));
  importImage(docker, busyboxRootfs(join(work, 'busybox')), 'devpod-test/registry-busybox:src');
  importImage(docker, tlsClientRootfs(join(work, 'tls-client')), 'devpod-test/registry-tls-client:src');
  busybox = registry.push(docker, 'devpod-test/registry-busybox:src', 'private/busybox:1');
  tlsClient = registry.push(docker, 'devpod-test/registry-tls-client:src', 'private/tls-client:1');
  docker(['rmi', 'devpod-test/registry-busybox:src', 'devpod-test/registry-tls-client:src']);
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('NOMAD_REGISTRY_AUTH=job on an agent with ACLs, with a token from the shipped policy', () => {
  let agent: NomadAgent;
  let admin: NomadClient;
  let token: string;
  const machine = uniqueId('reg-job');
  const jobId = jobIdFor(machine);
  const env = (extra: Record<string, string> = {}, id = machine) =>
    devpodEnv(id, {
      NOMAD_ADDR: agent.address,
      NOMAD_TOKEN: token,
      NOMAD_DRIVER: 'docker',
      NOMAD_IMAGE: busybox,
      DEVPOD_DEBUG: 'true',
      NOMAD_REGISTRY_AUTH: 'job',
      NOMAD_REGISTRY_USERNAME: registry.username,
      NOMAD_REGISTRY_PASSWORD: registry.password,
      NOMAD_REGISTRY_SERVER: registry.address,
      ...extra,
    });
  /** A client token of `rules`, made with the management token. */
  const tokenFor = async (name: string, rules: string) => {
    const api = async <T>(path: string, body: unknown) => {
      const res = await fetch(`${agent.address}${path}`, { method: 'POST', headers: { 'X-Nomad-Token': agent.token! }, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    await api(`/v1/acl/policy/${name}`, { Name: name, Rules: rules });
    return (await api<{ SecretID: string }>('/v1/acl/token', { Name: name, Type: 'client', Policies: [name] })).SecretID;
  };

  beforeAll(async () => {
    agent = await startNomadAgent({ acl: true, dockerEndpoint: endpoint });
    admin = clientFor(agent.address, agent.token);
    // The shipped policy with its commented variables block switched on, as its comment tells an operator to.
    token = await tokenFor('devpod-registry', policyWithRegistryVariables(SHIPPED_POLICY));
  }, 120_000);

  afterAll(async () => {
    await admin?.jobs.purge(jobId).catch(() => undefined);
    await agent?.stop();
  });

  it('init names the variables capability the shipped policy leaves commented out, and accepts it switched on', async () => {
    const bare = await tokenFor('devpod-shipped', SHIPPED_POLICY);
    const refused = await run(['init'], env({ NOMAD_TOKEN: bare }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '"write" on variables path "nomad/jobs/devpod-*" in namespace "default" (NOMAD_REGISTRY_AUTH=job: create and start keep the registry password in the workspace job\'s variable)',
    );
    expect(refused.stderr).toContain(
      '"destroy" on variables path "nomad/jobs/devpod-*" in namespace "default" (NOMAD_REGISTRY_AUTH=job: delete removes that variable)',
    );
    const ok = await run(['init'], env());
    expect(ok.stderr).toContain('the token has every capability the options need');
    expect(ok.code).toBe(0);
  });

  it('plan shows the template and the reference to the password, never the password', async () => {
    const plan = await run(['plan'], env());
    const out = plan.stdout.toString();
    expect(out).toContain(
      `{{ with nomadVar \\"${registryVariablePath(jobId)}\\" }}DEVPOD_REGISTRY_PASSWORD={{ .registry_password.Value | toJSON }}{{ end }}`,
    );
    expect(out).toContain('"password": "${DEVPOD_REGISTRY_PASSWORD}"');
    expect(out).toContain(`"username": "${registry.username}"`);
    expect(plan.code).toBe(0);
    // A plan stores nothing.
    expect((await admin.variables.read(registryVariablePath(jobId))).data).toBeUndefined();
  });

  it("create stores the password in the job's variable, the task pulls the image with it, and the workspace runs", async () => {
    removeImage(busybox);
    const pullsBefore = authorizedPulls('private/busybox').length;
    const started = Date.now();
    const r = await run(['create'], env());
    process.stderr.write(`[registry] create with job-level auth took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(r.stderr).toContain(`registry password stored in Nomad variable nomad/jobs/${jobId}`);
    expect(r.stderr).toMatch(/running on node/);
    expect(r.code).toBe(0);
    expect(hasImage(busybox)).toBe(true);
    // The registry saw the pull authenticated as the user.
    expect(authorizedPulls('private/busybox').length).toBeGreaterThan(pullsBefore);
    expect((await run(['status'], env())).stdout.toString()).toBe('Running\n');
    const variable = (await admin.variables.read(registryVariablePath(jobId))).data;
    expect(variable?.Items).toEqual({ registry_password: registry.password });
  }, 120_000);

  it("the job Nomad keeps has no password: the driver config names the task's environment variable", async () => {
    const res = await fetch(`${agent.address}/v1/job/${jobId}`, { headers: { 'X-Nomad-Token': agent.token! } });
    const text = await res.text();
    printed.push(text);
    expect(text).not.toContain(registry.password);
    const task = (
      JSON.parse(text) as {
        TaskGroups: Array<{ Tasks: Array<{ Config: { auth: unknown[] }; Templates: Array<{ DestPath: string; Envvars: boolean; Perms: string }> }> }>;
      }
    ).TaskGroups[0]!.Tasks[0]!;
    expect(task.Config.auth).toEqual([{ username: registry.username, password: '${DEVPOD_REGISTRY_PASSWORD}', server_address: registry.address }]);
    expect(task.Templates).toEqual([expect.objectContaining({ DestPath: 'secrets/registry-auth.env', Envvars: true, Perms: '0600' })]);
  });

  it("inside the workspace the password is the task's DEVPOD_REGISTRY_PASSWORD (the user's own credential), as docs/operator-guide.md says", async () => {
    // Compared by hash, so that not even this command's output carries it.
    const r = await run(['command'], { ...env(), COMMAND: 'printf %s "$DEVPOD_REGISTRY_PASSWORD" | sha256sum | cut -d" " -f1' });
    expect(r.stdout.toString()).toBe(`${sha256(registry.password)}\n`);
  });

  it('stop and start: start stores the variable again and the workspace runs', async () => {
    expect((await run(['stop'], env())).code).toBe(0);
    const r = await run(['start'], env());
    expect(r.stderr).toContain(`registry password stored in Nomad variable nomad/jobs/${jobId}`);
    expect(r.code).toBe(0);
    expect((await run(['status'], env())).stdout.toString()).toBe('Running\n');
  }, 120_000);

  it('delete removes the variable with the job', async () => {
    const r = await run(['delete'], env());
    expect(r.stderr).toContain(`Nomad variable nomad/jobs/${jobId} deleted`);
    expect(r.code).toBe(0);
    expect((await admin.jobs.read(jobId)).data).toBeUndefined();
    expect((await admin.variables.read(registryVariablePath(jobId))).data).toBeUndefined();
  }, 120_000);

  describe('a wrong password', () => {
    const bad = uniqueId('reg-bad');
    const badEnv = () => env({ NOMAD_REGISTRY_PASSWORD: `not-${registry.password}`, NOMAD_TIMEOUT: '10m' }, bad);

    afterAll(async () => {
      await admin?.jobs.purge(jobIdFor(bad)).catch(() => undefined);
      await admin?.variables.delete(registryVariablePath(jobIdFor(bad))).catch(() => undefined);
    });

    it("fails create at the first refused pull with the registry's answer, long before NOMAD_TIMEOUT, and status says why", async () => {
      removeImage(busybox);
      const started = Date.now();
      const r = await run(['create'], badEnv());
      const took = (Date.now() - started) / 1000;
      process.stderr.write(
        `[registry] create with a wrong password failed after ${took.toFixed(1)} s: ${r.stderr
          .split('\n')
          .filter((l) => l.startsWith('error:'))
          .join(' ')}\n`,
      );
      expect(r.code).toBe(1);
      // The reason, not a timeout: NOMAD_TIMEOUT is 10 minutes, and a timeout says "did not reach … within".
      expect(r.stderr).toMatch(/error: workspace \S+ cannot run: task "workspace": .*unauthorized/);
      expect(r.stderr).not.toMatch(/within 10m|timed out/);
      expect(hasImage(busybox)).toBe(false);
      // Busy while the stopped allocation shuts down, then Stopped; the registry's answer all along.
      let status: CliResult;
      do {
        status = await run(['status'], badEnv());
        expect(status.stderr).toMatch(/job stopped after: task "workspace": .*unauthorized: authentication required/);
      } while (status.stdout.toString() === 'Busy\n');
      expect(status.stdout.toString()).toBe('Stopped\n');
      process.stderr.write(`[registry] status after the refused pull: ${status.stdout.toString().trim()}; ${status.stderr.trim()}\n`);
    }, 180_000);

    it('start with the password corrected (as `devpod up` after the option is fixed) stores it and runs the workspace', async () => {
      const fixed = env({ NOMAD_TIMEOUT: '10m' }, bad);
      const r = await run(['start'], fixed);
      expect(r.code, r.stderr).toBe(0);
      expect((await run(['status'], fixed)).stdout.toString()).toBe('Running\n');
      expect(hasImage(busybox)).toBe(true);
    }, 120_000);

    it('delete removes its variable too', async () => {
      expect((await run(['delete'], badEnv())).code).toBe(0);
      expect((await admin.variables.read(registryVariablePath(jobIdFor(bad)))).data).toBeUndefined();
    }, 120_000);
  });

  it('NOMAD_REGISTRY_AUTH=client on this agent, whose docker plugin has no credentials, cannot pull the image', async () => {
    const anonymous = uniqueId('reg-anon');
    const anonEnv = devpodEnv(anonymous, {
      NOMAD_ADDR: agent.address,
      NOMAD_TOKEN: token,
      NOMAD_DRIVER: 'docker',
      NOMAD_IMAGE: busybox,
      NOMAD_TIMEOUT: '10m',
    });
    removeImage(busybox);
    const started = Date.now();
    const r = await run(['create'], anonEnv);
    process.stderr.write(
      `[registry] create without any credentials failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${r.stderr
        .split('\n')
        .filter((l) => l.startsWith('error:'))
        .join(' ')}\n`,
    );
    expect(r.code).toBe(1);
    // Docker does not pass the registry's 401 on here: for a registry it counts as insecure (loopback) it tries plain
    // HTTP after HTTPS failed, and reports that attempt, which the TLS-only registry cuts off ("connection reset by
    // peer"). Nothing says retrying cannot help, so Nomad retries it under the restart policy before it fails.
    expect(r.stderr).toMatch(/error: workspace \S+ cannot run: task "workspace": Failed to pull `[^`]+private\/busybox:1`/);
    expect(hasImage(busybox)).toBe(false);
    expect((await run(['delete'], anonEnv)).code).toBe(0);
  }, 120_000);

  it("no password is in any command's output (debug on), any job Nomad kept, or the agent's log", () => {
    const everything = [...printed, readFileSync(agent.logPath, 'utf8')].join('\n');
    expect(everything).not.toContain(registry.password);
    expect(everything).not.toContain(`not-${registry.password}`);
    expect(everything).toContain('DEVPOD_REGISTRY_PASSWORD');
  });
});

describe("NOMAD_REGISTRY_AUTH=client: the client's docker plugin has the credentials, the job has none", () => {
  let agent: NomadAgent;
  let nomad: NomadClient;
  const machine = uniqueId('reg-client');
  const jobId = jobIdFor(machine);
  const env = () => devpodEnv(machine, { NOMAD_ADDR: agent.address, NOMAD_DRIVER: 'docker', NOMAD_IMAGE: busybox, DEVPOD_DEBUG: 'true' });

  beforeAll(async () => {
    // As an operator configures a client: plugin "docker" { config { auth { config = "/etc/docker-auth.json" } } }.
    agent = await startNomadAgent({ dockerEndpoint: endpoint, dockerConfig: `    auth {\n      config = "${registry.dockerConfigPath}"\n    }` });
    nomad = clientFor(agent.address);
  }, 120_000);

  afterAll(async () => {
    await nomad?.jobs.purge(jobId).catch(() => undefined);
    await agent?.stop();
  });

  it("create pulls the image with the client's credentials, and nothing of them is in the job", async () => {
    removeImage(busybox);
    const pullsBefore = authorizedPulls('private/busybox').length;
    const r = await run(['create'], env());
    expect(r.stderr).toMatch(/running on node/);
    expect(r.code).toBe(0);
    expect(hasImage(busybox)).toBe(true);
    expect(authorizedPulls('private/busybox').length).toBeGreaterThan(pullsBefore);
    const job = (await nomad.jobs.read(jobId)).data!;
    const task = job.TaskGroups![0]!.Tasks[0]!;
    expect(task.Config).not.toHaveProperty('auth');
    expect(task.Templates ?? []).toEqual([]);
    expect((await nomad.variables.read(registryVariablePath(jobId))).data).toBeUndefined();
    expect((await run(['delete'], env())).code).toBe(0);
  }, 120_000);
});

describe("NOMAD_CA_CERTS: inside the workspace, the registry's CA is trusted after the task's trust-store refresh", () => {
  let agent: NomadAgent;
  let nomad: NomadClient;
  const template = join(work, 'host-network.hcl');
  const machines: string[] = [];
  // The registry listens on the host's loopback: the workspace joins the host's network to reach it, through a job
  // template (NOMAD_JOB_TEMPLATE) as a team would set any other driver option.
  const env = (machine: string, extra: Record<string, string>) =>
    devpodEnv(machine, {
      NOMAD_ADDR: agent.address,
      NOMAD_DRIVER: 'docker',
      NOMAD_IMAGE: tlsClient,
      NOMAD_JOB_TEMPLATE: template,
      DEVPOD_DEBUG: 'true',
      ...extra,
    });
  const curl = `curl -sS -o /dev/null -w '%{http_code}' https://${'${REGISTRY}'}/v2/; echo " exit=$?"`;

  beforeAll(async () => {
    writeFileSync(
      template,
      'job "${JOB_ID}" {\n  group "workspace" {\n    task "workspace" {\n      driver = "docker"\n      config {\n        network_mode = "host"\n      }\n    }\n  }\n}\n',
    );
    agent = await startNomadAgent({
      dockerEndpoint: endpoint,
      // CA mounts need docker volumes; the image is pulled with the client's credentials.
      dockerConfig: `    volumes {\n      enabled = true\n    }\n    auth {\n      config = "${registry.dockerConfigPath}"\n    }`,
    });
    nomad = clientFor(agent.address);
  }, 120_000);

  afterAll(async () => {
    for (const m of machines) await nomad?.jobs.purge(jobIdFor(m)).catch(() => undefined);
    await agent?.stop();
  });

  it('with the CA mounted, curl in the workspace verifies the registry; without it, curl refuses the certificate', async () => {
    const withCa = uniqueId('reg-ca');
    const without = uniqueId('reg-noca');
    machines.push(withCa, without);
    const trusting = env(withCa, { NOMAD_CA_CERTS: `${registry.caPath}:${CA_TARGET}` });
    const plain = env(without, {});
    for (const e of [trusting, plain]) {
      const r = await run(['create'], e);
      expect(r.code, r.stderr).toBe(0);
    }

    const ok = await run(['command'], { ...trusting, COMMAND: curl.replace('${REGISTRY}', registry.address) });
    process.stderr.write(`[registry] curl in the workspace with the CA: ${JSON.stringify(ok.stdout.toString())} ${JSON.stringify(ok.stderr)}\n`);
    // TLS verified; the registry then asks for the password (401), as it does every anonymous request.
    expect(ok.stdout.toString()).toBe('401 exit=0\n');
    const refused = await run(['command'], { ...plain, COMMAND: curl.replace('${REGISTRY}', registry.address) });
    process.stderr.write(
      `[registry] curl in the workspace without the CA: ${JSON.stringify(refused.stdout.toString())} ${JSON.stringify(refused.stderr)}\n`,
    );
    expect(refused.stdout.toString()).toBe('000 exit=60\n');
    expect(refused.stderr).toMatch(/SSL certificate problem: unable to get local issuer certificate/);
    // The refresh is what made the difference: the CA is in the bundle curl reads only where it was mounted.
    const ca = readFileSync(registry.caPath, 'utf8').trim();
    const inBundle = await run(['command'], { ...trusting, COMMAND: 'cat /etc/ssl/certs/ca-certificates.crt' });
    expect(inBundle.stdout.toString()).toContain(ca);
    const notInBundle = await run(['command'], { ...plain, COMMAND: 'cat /etc/ssl/certs/ca-certificates.crt' });
    expect(notInBundle.stdout.toString()).not.toContain(ca);

    for (const e of [trusting, plain]) expect((await run(['delete'], e)).code).toBe(0);
  }, 240_000);
});

describe('the test registry itself', () => {
  it('is TLS only with a certificate from its own CA, and asks for the password', async () => {
    expect((await registry.get('/v2/', { anonymous: true })).status).toBe(401);
    expect((await registry.get('/v2/')).status).toBe(200);
    // openssl, as a third client: the chain verifies against the CA and against nothing else.
    const verify = (ca: string[]) =>
      execFileSync('sh', ['-c', `openssl s_client -connect ${registry.address} -verify_return_error ${ca.join(' ')} </dev/null 2>&1; true`], {
        encoding: 'utf8',
      });
    expect(verify(['-CAfile', registry.caPath])).toMatch(/Verify return code: 0 \(ok\)/);
    expect(verify(['-no-CAfile', '-no-CApath', '-no-CAstore'])).toMatch(/unable to get local issuer certificate|self.signed/);
  });
});
