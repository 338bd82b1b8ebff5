// Schema of the Nomad connection and TLS groups (catalog/connection.ts). The connection itself is read as the nomad
// CLI reads it (nomad/connection.ts, which ignores a value it cannot use); here a bad NOMAD_ADDR or
// NOMAD_SKIP_VERIFY is refused instead, like any other option.
import { resolveConnection, type Env, type NomadConnection } from '../nomad/connection.js';
import { parseBool } from './parse.js';
import type { OptionReader } from './reader.js';

export function readConnection(r: OptionReader, env: Env): NomadConnection {
  r.get('NOMAD_SKIP_VERIFY', 'true or false', parseBool, false);
  r.get(
    'NOMAD_ADDR',
    'http(s)://host:port or unix:///path/to/socket',
    (v) => (/^(https?:\/\/[^\s/]+|unix:\/\/\/\S+)\/?$/.test(v) ? v : undefined),
    '',
  );
  return resolveConnection({ ...env, ...r.values });
}
