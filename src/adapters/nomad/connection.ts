// Connection settings, read exactly as the `nomad` CLI reads them (api.DefaultConfig): an empty variable counts as
// unset, NOMAD_SKIP_VERIFY follows Go's ParseBool and an invalid value is ignored.
import { parseBool } from '../config/parse.js';

export interface NomadConnection {
  /** http(s)://host:port or unix:///path/to.sock */
  address: string;
  token?: string;
  region?: string;
  namespace?: string;
  /** user[:password] for HTTP basic auth (NOMAD_HTTP_AUTH). */
  httpAuth?: string;
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  tlsServerName?: string;
  skipVerify: boolean;
}

export type Env = Record<string, string | undefined>;

export const DEFAULT_ADDRESS = 'http://127.0.0.1:4646';

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * Settings from the environment, with `overrides` (provider options, flags) winning over it. Undefined or empty
 * overrides leave the environment's value in place.
 */
export function resolveConnection(env: Env, overrides: Partial<Record<keyof NomadConnection, string | boolean>> = {}): NomadConnection {
  const pick = (key: keyof NomadConnection, envName: string): string | undefined => {
    const o = overrides[key];
    return (typeof o === 'string' ? nonEmpty(o) : undefined) ?? nonEmpty(env[envName]);
  };
  const skip = overrides.skipVerify;
  return {
    address: (pick('address', 'NOMAD_ADDR') ?? DEFAULT_ADDRESS).replace(/\/+$/, ''),
    token: pick('token', 'NOMAD_TOKEN'),
    region: pick('region', 'NOMAD_REGION'),
    namespace: pick('namespace', 'NOMAD_NAMESPACE'),
    httpAuth: pick('httpAuth', 'NOMAD_HTTP_AUTH'),
    caCert: pick('caCert', 'NOMAD_CACERT'),
    caPath: pick('caPath', 'NOMAD_CAPATH'),
    clientCert: pick('clientCert', 'NOMAD_CLIENT_CERT'),
    clientKey: pick('clientKey', 'NOMAD_CLIENT_KEY'),
    tlsServerName: pick('tlsServerName', 'NOMAD_TLS_SERVER_NAME'),
    skipVerify: typeof skip === 'boolean' ? skip : (parseBool(nonEmpty(env.NOMAD_SKIP_VERIFY)) ?? false),
  };
}
