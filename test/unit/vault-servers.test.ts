// Which Vault servers the Vault tests run against (test/harness/vault-servers.ts): both by default, Vault first;
// VAULT_SERVERS picks, and a name it does not know is refused with the known ones, not ignored.
import { afterEach, describe, expect, it } from 'vitest';
import { OPENBAO, VAULT, vaultServers } from '../harness/vault-servers.js';

const saved = process.env.VAULT_SERVERS;
afterEach(() => {
  if (saved === undefined) delete process.env.VAULT_SERVERS;
  else process.env.VAULT_SERVERS = saved;
});

describe('VAULT_SERVERS', () => {
  it.each([
    [undefined, 'vault,openbao', [VAULT, OPENBAO]],
    ['openbao', 'openbao', [OPENBAO]],
    ['vault', 'vault', [VAULT]],
    [' openbao , vault ', 'vault,openbao', [VAULT, OPENBAO]],
  ])('VAULT_SERVERS=%s runs the tests against %s', (value, _ids, servers) => {
    if (value === undefined) delete process.env.VAULT_SERVERS;
    else process.env.VAULT_SERVERS = value;
    expect(vaultServers()).toEqual(servers);
  });

  it('refuses a server it does not know, naming the known ones', () => {
    process.env.VAULT_SERVERS = 'vault,hcp';
    expect(() => vaultServers()).toThrow('VAULT_SERVERS names hcp; known: vault, openbao');
  });
});
