// The TLS material of an https:// Nomad address (NOMAD_CACERT, NOMAD_CAPATH, NOMAD_CLIENT_CERT/KEY,
// NOMAD_TLS_SERVER_NAME, NOMAD_SKIP_VERIFY), read once for the HTTP core (http.ts) and the exec websocket.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NomadConnection } from './connection.js';
import { NomadError } from './errors.js';

function readCaPath(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pem') || f.endsWith('.crt'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

function readSetting(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new NomadError('tls', `${name}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a PEM file.`);
  }
}

export interface TlsMaterial {
  ca?: string[];
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.2';
}

/** The connection's TLS settings; undefined for a plain http:// (or unix://) address. */
export function tlsMaterial(conn: NomadConnection): TlsMaterial | undefined {
  if (!conn.address.startsWith('https://')) return undefined;
  const ca = [...(conn.caCert ? [readSetting(conn.caCert, 'NOMAD_CACERT')] : []), ...(conn.caPath ? readCaPath(conn.caPath) : [])];
  return {
    ca: ca.length ? ca : undefined,
    cert: conn.clientCert ? readSetting(conn.clientCert, 'NOMAD_CLIENT_CERT') : undefined,
    key: conn.clientKey ? readSetting(conn.clientKey, 'NOMAD_CLIENT_KEY') : undefined,
    servername: conn.tlsServerName,
    rejectUnauthorized: !conn.skipVerify,
    minVersion: 'TLSv1.2',
  };
}
