// NOMAD_PORTS's pure parts: the list's defaults, the job's network and services per driver, the merge into a job
// template, the ports read back from an allocation, the native forwardPorts, and the Traefik tags rendered for the
// operator guide's example, checked against the rule syntax Traefik documents (Traefik itself is not run: the Go
// module proxy refused it). Reaching the ports is tested against the real agent (test/integration/ports.test.ts).
import { describe, expect, it } from 'vitest';
import { loadConfig, type ProviderConfig } from '../../src/adapters/config/index.js';
import { parsePortList } from '../../src/adapters/config/ports.js';
import { renderTags, serviceName } from '../../src/adapters/jobspec/ports.js';
import { portsChange, withCurrentPorts } from '../../src/adapters/jobspec/ports-refresh.js';
import { mergeTemplate } from '../../src/adapters/jobspec/template.js';
import { buildWorkspaceJob, jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import type { Allocation, NomadJob, NomadTask } from '../../src/adapters/nomad/types.js';
import { buildDevcontainerJob } from '../../src/native/devcontainer.js';
import { devcontainerPorts } from '../../src/native/forward-ports.js';
import { describeLines } from '../../src/workspace/describe.js';
import { portsOf, withCurrentPortsLogged } from '../../src/workspace/ports.js';
import type { Workspace } from '../../src/workspace/types.js';

const cfg = (env: Record<string, string>): ProviderConfig => loadConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646', ...env }, { cwd: '/' });
const job = (env: Record<string, string>, machineId = 'myws') => buildWorkspaceJob({ machineId, providerVersion: 'test' }, cfg(env));
const group = (j: NomadJob) => j.TaskGroups![0]!;
const task = (j: NomadJob) => group(j).Tasks[0]! as NomadTask & { Config: Record<string, unknown> };

const TRAEFIK_TAGS = 'traefik.enable=true,traefik.http.routers.${SERVICE}.rule=Host(`${HOST}`),traefik.http.routers.${SERVICE}.entrypoints=web';

describe('NOMAD_PORTS', () => {
  it('labels a bare port p<port>, keeps given labels and the order', () => {
    expect(parsePortList('web=3000, 8080 ,api=9000')).toEqual({
      ports: [
        { label: 'web', port: 3000 },
        { label: 'p8080', port: 8080 },
        { label: 'api', port: 9000 },
      ],
      problems: [],
    });
  });

  it('leaves the job as it was when empty: no network, no services, no ports in the driver config', () => {
    const j = job({ NOMAD_DRIVER: 'docker' });
    expect([group(j).Networks, group(j).Services, task(j).Config.ports, group(j).Meta]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('on docker maps a dynamic host port to the workspace port, lists the labels, and makes a service with a TCP check', () => {
    const j = job({ NOMAD_DRIVER: 'docker', NOMAD_PORTS: 'web=3000,api=8080', NOMAD_PORTS_HOST_NETWORK: 'private' });
    expect(group(j).Networks).toEqual([
      {
        Mode: 'host',
        DynamicPorts: [
          { Label: 'web', To: 3000, HostNetwork: 'private' },
          { Label: 'api', To: 8080, HostNetwork: 'private' },
        ],
      },
    ]);
    expect(task(j).Config.ports).toEqual(['web', 'api']);
    expect(group(j).Services).toEqual([
      {
        Name: 'web-myws',
        Provider: 'nomad',
        PortLabel: 'web',
        Tags: [],
        Checks: [{ Name: 'web accepts', Type: 'tcp', Interval: 10e9, Timeout: 2e9 }],
      },
      {
        Name: 'api-myws',
        Provider: 'nomad',
        PortLabel: 'api',
        Tags: [],
        Checks: [{ Name: 'api accepts', Type: 'tcp', Interval: 10e9, Timeout: 2e9 }],
      },
    ]);
    expect(group(j).Meta).toEqual({ devpod_ports: 'web=3000,api=8080' });
  });

  it('on podman lists the labels as docker does', () => {
    const j = job({ NOMAD_DRIVER: 'podman', NOMAD_PORTS: 'web=3000' });
    expect([task(j).Config.ports, (group(j).Networks as { DynamicPorts: unknown[] }[])[0]!.DynamicPorts]).toEqual([
      ['web'],
      [{ Label: 'web', To: 3000 }],
    ]);
  });

  it.each(['raw_exec', 'exec', 'nspawn'])('on %s gives no `To` and no config ports: the app binds $NOMAD_PORT_<label>', (driver) => {
    const j = job({ NOMAD_DRIVER: driver, NOMAD_PORTS: 'web=3000' });
    expect((group(j).Networks as { DynamicPorts: unknown[] }[])[0]!.DynamicPorts).toEqual([{ Label: 'web' }]);
    expect(task(j).Config.ports).toBeUndefined();
    expect(group(j).Meta).toEqual({ devpod_ports: 'web=3000' });
  });

  it('refuses devcontainer in machine mode, saying what to set instead', () => {
    expect(() => job({ NOMAD_PORTS: 'devcontainer' })).toThrow(
      'NOMAD_PORTS=devcontainer is for the native provider (nomadnative), where the devcontainer is the Nomad task: with the machine provider, name the ports, e.g. NOMAD_PORTS=web=3000 (devpod provider set-options)',
    );
  });

  it('names services <label>-<workspace>, hashed to 63 characters when longer', () => {
    expect(serviceName('devpod-myws', 'web')).toBe('web-myws');
    const long = serviceName(`devpod-${'a'.repeat(60)}`, 'web');
    expect(long).toMatch(/^web-a+-[0-9a-f]{8}$/);
    expect(long).toHaveLength(63);
  });

  it('joins a job template: its bridge network gets our ports, its services stay beside ours', () => {
    const ours = job({ NOMAD_DRIVER: 'docker', NOMAD_PORTS: 'web=3000' }, 'team-ws');
    const template = {
      TaskGroups: [
        {
          Name: 'dev',
          Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'metrics', To: 9100 }] }],
          Services: [{ Name: 'team-metrics', Provider: 'nomad', PortLabel: 'metrics' }],
          Meta: { team: 'a' },
          Tasks: [{ Name: 'workspace', Config: { ports: ['metrics'] } }],
        },
      ],
    } as unknown as NomadJob;
    const g = group(mergeTemplate({ path: 'job.hcl' }, template, ours));
    expect(g.Networks).toEqual([
      {
        Mode: 'bridge',
        DynamicPorts: [
          { Label: 'metrics', To: 9100 },
          { Label: 'web', To: 3000 },
        ],
      },
    ]);
    expect((g.Services as { Name: string }[]).map((s) => s.Name)).toEqual(['team-metrics', 'web-team-ws']);
    expect(g.Meta).toEqual({ team: 'a', devpod_ports: 'web=3000' });
    expect((g.Tasks[0]!.Config as Record<string, unknown>).ports).toEqual(['metrics', 'web']);
  });
});

/** An allocation as GET /v1/allocation/:id returns it, with the ports Nomad gave. */
const alloc = (ports: NonNullable<NonNullable<Allocation['AllocatedResources']>['Shared']>['Ports'], meta = 'web=3000'): Allocation =>
  ({
    ID: 'a1',
    JobID: 'devpod-myws',
    TaskGroup: 'workspace',
    ClientStatus: 'running',
    DesiredStatus: 'run',
    CreateIndex: 1,
    ModifyIndex: 1,
    AllocatedResources: { Shared: { Ports: ports } },
    Job: { ID: 'devpod-myws', TaskGroups: [{ Name: 'workspace', Meta: { devpod_ports: meta }, Tasks: [] }] },
  }) as Allocation;

describe('the published ports of an allocation', () => {
  it('reports label, the port as named, host:port and the URL under the ingress domain', () => {
    expect(portsOf(alloc([{ Label: 'web', Value: 24811, To: 3000, HostIP: '10.0.0.7' }]), 'devpod-myws', 'devpod.example.com')).toEqual([
      { label: 'web', port: 3000, address: '10.0.0.7:24811', service: 'web-myws', url: 'http://web-myws.devpod.example.com' },
    ]);
  });

  it('keeps the named port on raw_exec (no To), brackets IPv6, and leaves out ports the provider did not publish', () => {
    const a = alloc(
      [
        { Label: 'web', Value: 24811, HostIP: 'fd00::7' },
        { Label: 'metrics', Value: 9100, HostIP: 'fd00::7' },
      ],
      'web=3000',
    );
    expect(portsOf(a, 'devpod-myws')).toEqual([{ label: 'web', port: 3000, address: '[fd00::7]:24811', service: 'web-myws' }]);
  });

  it('shows each as a port line in describe while running', () => {
    const lines = describeLines({
      report: { status: 'Running', state: 'running', jobId: 'devpod-myws', allocId: 'a1' },
      namespace: 'default',
      job: { ID: 'devpod-myws', TaskGroups: [] },
      alloc: alloc([{ Label: 'web', Value: 24811, To: 3000, HostIP: '10.0.0.7' }]),
      ingressDomain: 'devpod.example.com:8080',
    });
    expect(lines).toContain('port:       web (3000) at 10.0.0.7:24811, http://web-myws.devpod.example.com:8080 (service web-myws)');
  });
});

describe('NOMAD_PORTS=devcontainer (native mode)', () => {
  const metadata = (entries: object[]) => ({ labels: [`devcontainer.metadata=${JSON.stringify(entries)}`, 'devpod.user=root'] });

  it('publishes forwardPorts, labelled from portAttributes or portsAttributes, else p<port>', () => {
    const opts = metadata([
      { forwardPorts: [5432] },
      { forwardPorts: [3000, '8080', 'localhost:9000', 'db:5432', 3000], portAttributes: { '3000': { label: 'Web App' } } },
      { portsAttributes: { '8080': { label: 'API' } } },
    ]);
    expect(devcontainerPorts(opts)).toEqual({
      ports: [
        { label: 'p5432', port: 5432 },
        { label: 'web-app', port: 3000 },
        { label: 'api', port: 8080 },
        { label: 'p9000', port: 9000 },
      ],
      skipped: ['forwardPorts entry "db:5432" is not a port of the devcontainer itself: not published'],
    });
  });

  it('publishes nothing without the metadata label or forwardPorts', () => {
    expect(devcontainerPorts({ labels: ['devpod.user=root'] })).toEqual({ ports: [], skipped: [] });
    expect(devcontainerPorts(metadata([{ remoteUser: 'vscode' }]))).toEqual({ ports: [], skipped: [] });
  });

  it("becomes the devcontainer job's ports", () => {
    const j = buildDevcontainerJob(
      'abc',
      { image: 'node:20', ...metadata([{ forwardPorts: [3000] }]) },
      cfg({ NOMAD_DRIVER: 'docker', NOMAD_PORTS: 'devcontainer' }),
      {
        providerVersion: 'test',
      },
    );
    expect([group(j).Meta, task(j).Config.ports, (group(j).Services as { Name: string }[])[0]!.Name]).toEqual([
      { devpod_ports: 'p3000=3000' },
      ['p3000'],
      'p3000-dc-abc',
    ]);
  });
});

/**
 * Traefik's documented rule syntax (v3, doc.traefik.io/traefik/routing/routers/#rule): matchers with backtick- or
 * quote-delimited arguments, combined with &&, || and !, grouped by parentheses; Host takes one domain.
 */
const MATCHERS = ['Header', 'HeaderRegexp', 'Host', 'HostRegexp', 'Method', 'Path', 'PathPrefix', 'PathRegexp', 'Query', 'QueryRegexp', 'ClientIP'];
function parseRule(rule: string): { hosts: string[] } {
  const hosts: string[] = [];
  let i = 0;
  const ws = () => {
    while (rule[i] === ' ') i++;
  };
  const arg = (): string => {
    ws();
    const q = rule[i];
    if (q !== '`' && q !== '"') throw new Error(`argument at ${i} is not quoted with \` or "`);
    const end = rule.indexOf(q, i + 1);
    if (end < 0) throw new Error('unterminated argument');
    const v = rule.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  const term = (): void => {
    ws();
    if (rule[i] === '!') {
      i++;
      term();
      return;
    }
    if (rule[i] === '(') {
      i++;
      expr();
      ws();
      if (rule[i++] !== ')') throw new Error('unbalanced parenthesis');
      return;
    }
    const name = /^[A-Za-z]+/.exec(rule.slice(i))?.[0] ?? '';
    if (!MATCHERS.includes(name)) throw new Error(`unknown matcher ${JSON.stringify(name)}`);
    i += name.length;
    if (rule[i++] !== '(') throw new Error(`${name} without (`);
    const args = [arg()];
    for (ws(); rule[i] === ','; ws()) {
      i++;
      args.push(arg());
    }
    if (rule[i++] !== ')') throw new Error(`${name}( not closed`);
    if (name === 'Host') {
      if (args.length !== 1) throw new Error('Host takes one domain in v3');
      hosts.push(args[0]!);
    }
  };
  const expr = (): void => {
    term();
    for (ws(); rule.startsWith('&&', i) || rule.startsWith('||', i); ws()) {
      i += 2;
      term();
    }
  };
  expr();
  if (i !== rule.length) throw new Error(`trailing text at ${i}`);
  return { hosts };
}

describe("the operator guide's Traefik tags", () => {
  const ports = cfg({ NOMAD_PORTS: 'web=3000', NOMAD_INGRESS_DOMAIN: 'devpod.example.com:8080', NOMAD_SERVICE_TAGS: TRAEFIK_TAGS }).ports!;

  it('render a router per service whose Host rule is the URL the provider shows', () => {
    const tags = renderTags(ports, 'devpod-myws', { label: 'web', port: 3000 });
    expect(tags).toEqual([
      'traefik.enable=true',
      'traefik.http.routers.web-myws.rule=Host(`web-myws.devpod.example.com`)',
      'traefik.http.routers.web-myws.entrypoints=web',
    ]);
    const rule = tags.find((t) => t.includes('.rule='))!;
    const [key, value] = [rule.slice(0, rule.indexOf('=')), rule.slice(rule.indexOf('=') + 1)];
    // Router names are one key segment: no dots.
    expect(key).toMatch(/^traefik\.http\.routers\.[A-Za-z0-9_-]+\.rule$/);
    expect(parseRule(value)).toEqual({ hosts: [new URL('http://web-myws.devpod.example.com:8080').hostname] });
  });

  it('the rule checker refuses what Traefik would (so the check above means something)', () => {
    expect(() => parseRule('Host(web.example)')).toThrow(/not quoted/);
    expect(() => parseRule('Host(`a`, `b`)')).toThrow(/one domain/);
    expect(() => parseRule('Hosts(`a`)')).toThrow(/unknown matcher/);
    expect(parseRule('Host(`a.example`) && (PathPrefix(`/api`) || !Method(`POST`))')).toEqual({ hosts: ['a.example'] });
  });

  it('fill in only a-z, 0-9 and -, whatever the machine id holds: a name cannot close the rule and add a matcher', () => {
    const jobId = jobIdFor('My`) || Host(`evil.example');
    const [rule] = renderTags(ports, jobId, { label: 'web', port: 3000 }).filter((t) => t.includes('.rule='));
    expect(serviceName(jobId, 'web')).toMatch(/^[a-z0-9-]+$/);
    expect(parseRule(rule!.slice(rule!.indexOf('=') + 1)).hosts).toEqual([`${serviceName(jobId, 'web')}.devpod.example.com`]);
  });

  it('take a JSON list for tags with commas', () => {
    const json = cfg({ NOMAD_PORTS: 'web=3000', NOMAD_SERVICE_TAGS: '["a=${LABEL},${PORT}", "w=${WORKSPACE}"]' }).ports!;
    expect(renderTags(json, 'devpod-myws', { label: 'web', port: 3000 })).toEqual(['a=web,3000', 'w=myws']);
  });
});

describe('start brings the published ports to the current options (withCurrentPorts)', () => {
  const kept = job({ NOMAD_DRIVER: 'docker', NOMAD_PORTS: 'web=3000' });

  it('with NOMAD_PORTS unset, closes them: no network, no service, no driver ports, no meta', () => {
    const g = group(withCurrentPorts(kept, cfg({ NOMAD_DRIVER: 'docker' })));
    expect([g.Networks, g.Services, g.Meta, (g.Tasks[0]!.Config as Record<string, unknown>).ports]).toEqual([null, null, null, undefined]);
  });

  it('with other ports, publishes those instead, tags and all', () => {
    const now = cfg({ NOMAD_DRIVER: 'docker', NOMAD_PORTS: 'api=8080', NOMAD_SERVICE_TAGS: 'x=${LABEL}' });
    const g = group(withCurrentPorts(kept, now));
    expect(g.Networks).toEqual([{ Mode: 'host', DynamicPorts: [{ Label: 'api', To: 8080 }] }]);
    expect((g.Services as { Name: string; Tags: string[] }[]).map((s) => [s.Name, s.Tags])).toEqual([['api-myws', ['x=api']]]);
    expect([g.Meta, (g.Tasks[0]!.Config as Record<string, unknown>).ports]).toEqual([{ devpod_ports: 'api=8080' }, ['api']]);
    expect(portsChange(kept, now)).toEqual({ was: 'web=3000', now: 'api=8080' });
  });

  it("keeps a team template's own port and service", () => {
    const team = mergeTemplate(
      { path: 'job.hcl' },
      {
        ID: 'devpod-myws',
        TaskGroups: [
          {
            Name: 'dev',
            Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'metrics' }] }],
            Services: [{ Name: 'team-metrics', Provider: 'nomad', PortLabel: 'metrics' }],
            Tasks: [{ Name: 'workspace', Driver: 'docker', Config: { ports: ['metrics'] } }],
          },
        ],
      },
      kept,
    );
    const g = group(withCurrentPorts(team, cfg({ NOMAD_DRIVER: 'docker' })));
    expect(g.Networks).toEqual([{ Mode: 'bridge', DynamicPorts: [{ Label: 'metrics' }] }]);
    expect((g.Services as { Name: string }[]).map((s) => s.Name)).toEqual(['team-metrics']);
    expect((g.Tasks[0]!.Config as Record<string, unknown>).ports).toEqual(['metrics']);
  });

  it('registers a job without ports, started without NOMAD_PORTS, exactly as kept, and says nothing', () => {
    const plain = job({ NOMAD_DRIVER: 'docker' });
    const lines: string[] = [];
    const ws = { config: cfg({ NOMAD_DRIVER: 'docker' }), jobId: plain.ID, log: (l: string) => lines.push(l) } as unknown as Workspace;
    expect(withCurrentPortsLogged(ws, plain)).toBe(plain);
    expect(lines).toEqual([]);
  });

  it('leaves a job alone under NOMAD_PORTS=devcontainer (forwardPorts are known only at native run)', () => {
    expect(withCurrentPorts(kept, cfg({ NOMAD_PORTS: 'devcontainer' }))).toBe(kept);
    expect(portsChange(kept, cfg({ NOMAD_PORTS: 'devcontainer' }))).toBeUndefined();
  });
});
