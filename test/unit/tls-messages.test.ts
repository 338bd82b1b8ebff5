// The TLS failure messages read the same whichever TLS library the runtime has: Node's OpenSSL and Bun's BoringSSL
// word the same handshake failures differently (the Bun-compiled executable, issue 32).
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/adapters/nomad/connection.js';
import { transportError } from '../../src/adapters/nomad/http-errors.js';

const conn = resolveConnection({}, { address: 'https://127.0.0.1:4646' });
const failure = (message: string, code?: string) => Object.assign(new Error(message), { code });

describe('a TLS handshake answered in plain HTTP', () => {
  it.each([
    ['OpenSSL (Node)', 'error:0A00010B:SSL routines:ssl3_get_record:wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'],
    ['BoringSSL (Bun)', 'error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER', undefined],
  ])('%s: says the agent speaks plain HTTP and to use http://', (_, message, code) => {
    const err = transportError(conn, failure(message, code), 'GET', '/v1/job/x');
    expect(err.kind).toBe('tls');
    expect(err.message).toBe(
      'TLS with Nomad at https://127.0.0.1:4646 failed: the agent did not answer in TLS (is it plain HTTP? then NOMAD_ADDR should start with http://). ' +
        'Nothing to set for TLS: point NOMAD_ADDR at the agent with http://, or enable TLS on it.',
    );
  });
});

describe('an agent that requires a client certificate', () => {
  it.each([
    ['OpenSSL (Node)', 'error:0A00045C:SSL routines::tlsv13 alert certificate required'],
    ['BoringSSL (Bun)', 'error:1000045c:SSL routines:OPENSSL_internal:TLSV1_CERTIFICATE_REQUIRED'],
  ])('%s: names NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY', (_, message) => {
    const err = transportError(conn, failure(message, 'EPROTO'), 'GET', '/v1/job/x');
    expect(err.message).toMatch(/The agent requires a client certificate \(verify_https_client\): set NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY\.$/);
  });
});
