// What a user reads when talking to Nomad goes wrong: each failure is a NomadError of a known kind whose message
// says what happened and what to do. The ACL case runs its own agent with ACLs on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NomadError } from '../../src/adapters/nomad/errors.js';
import { freePort, startNomadAgent, type NomadAgent } from '../harness/nomad-agent.js';
import { clientFor, testJob, uniqueId } from '../helpers/jobs.js';

const client = clientFor;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as NomadError,
  );

describe('Nomad client errors', () => {
  it('names the address and what to check when nothing listens there', async () => {
    const port = await freePort();
    const err = await failure(client(`http://127.0.0.1:${port}`).jobs.read('x'));
    expect(err).toBeInstanceOf(NomadError);
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(
      `Cannot reach Nomad at http://127.0.0.1:${port} (ECONNREFUSED). Check NOMAD_ADDR and that the agent is running and reachable from here.`,
    );
  });

  it('explains a TLS failure and the settings that fix it', async () => {
    const https = inject('nomadAddr').replace('http://', 'https://');
    const err = await failure(client(https).jobs.read('x'));
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(
      /^TLS with Nomad at https:\/\/127\.0\.0\.1:\d+ failed: the agent did not answer in TLS \(is it plain HTTP\? then NOMAD_ADDR should start with http:\/\/\)\. Nothing to set for TLS: point NOMAD_ADDR at the agent with http:\/\/, or enable TLS on it\.$/,
    );
  });

  it('treats a missing job as absent, not as an error', async () => {
    const res = await client(inject('nomadAddr')).jobs.read(uniqueId('absent'));
    expect(res.data).toBeUndefined();
  });

  it('reports a 404 on other reads with the path and namespace', async () => {
    const err = await failure(client(inject('nomadAddr')).allocations.read('00000000-0000-0000-0000-000000000000'));
    expect(err.kind).toBe('notFound');
    expect(err.message).toMatch(/^Nomad has no \/v1\/allocation\/0{8}-0{4}-0{4}-0{4}-0{12} in namespace "default"/);
  });

  describe('with ACLs enabled', () => {
    let acl: NomadAgent;
    beforeAll(async () => {
      acl = await startNomadAgent({ acl: true });
    });
    afterAll(async () => {
      await acl?.stop();
    });

    it('names the capability and namespace a refused call needs, and whether a token was given', async () => {
      const anonymous = await failure(client(acl.address).jobs.register(testJob(uniqueId('acl'))));
      expect(anonymous.kind).toBe('forbidden');
      expect(anonymous.message).toBe(
        'Nomad refused PUT /v1/jobs (403 Permission denied). No token was given (set NOMAD_TOKEN); the anonymous policy needs the "submit-job" capability in namespace "default".',
      );
      const wrong = await failure(client(acl.address, '11111111-2222-3333-4444-555555555555').jobs.read('x'));
      expect(wrong.kind).toBe('forbidden');
      expect(wrong.message).toMatch(/The token in NOMAD_TOKEN needs the "read-job" capability in namespace "default"\.$/);
    });

    it('accepts the management token', async () => {
      const id = uniqueId('acl-ok');
      const nomad = client(acl.address, acl.token);
      await nomad.jobs.register(testJob(id));
      expect((await nomad.jobs.read(id)).data?.ID).toBe(id);
    });

    it('stops following the event stream when the token may not read it, with the reason', async () => {
      const ctl = new AbortController();
      const err = await failure(client(acl.address).events.follow({ topics: ['Job:x'] }, { onFrame: () => undefined }, ctl.signal));
      expect(err.kind).toBe('forbidden');
      expect(err.message).toMatch(/"read-job" capability in namespace "default"/);
    });
  });
});
