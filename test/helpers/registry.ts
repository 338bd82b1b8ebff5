// A private image registry on loopback, as a team runs one: Debian's docker-registry serving TLS with a certificate
// from a CA made here (openssl), and asking for a password it checks against an htpasswd file (bcrypt, apache2-utils).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { DockerCli } from '../harness/docker-engine.js';
import { freePort, stopProcess } from '../harness/nomad-agent.js';
import { ensureDebianPackages } from './debian.js';

export interface PrivateRegistry {
  /** host:port, the registry part of an image reference. */
  address: string;
  /** The CA that signed the registry's certificate (PEM). */
  caPath: string;
  username: string;
  password: string;
  /** A Docker client config directory (DOCKER_CONFIG) whose config.json has `auths` for the registry. */
  dockerConfigDir: string;
  /** That config.json: what Nomad's docker plugin reads with `auth { config = … }`. */
  dockerConfigPath: string;
  logPath: string;
  /**
   * The user agents of the requests that passed the password check (the registry logs "authorized request" only
   * then), each once: who pulled with the credentials. `from`: only those logged after that offset of the log.
   */
  authorizedAgents(from?: number): string[];
  /** Pushes the engine's image `local` as `<address>/<name>`, then removes that tag from the engine; returns it. */
  push(docker: DockerCli, local: string, name: string): string;
  /** GET https://<address><path> with the CA, and the credentials unless `anonymous`: status and body. */
  get(
    path: string,
    opts?: { anonymous?: boolean },
  ): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
  stop(): Promise<void>;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA, and a certificate it signed for 127.0.0.1 (and localhost) to serve with. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=devpod-provider-nomad test registry CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export async function startPrivateRegistry(dir: string, opts: { username?: string; password?: string } = {}): Promise<PrivateRegistry> {
  ensureDebianPackages(['docker-registry', 'apache2-utils']);
  mkdirSync(dir, { recursive: true });
  const username = opts.username ?? 'devpod-robot';
  const password = opts.password ?? `reg-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const certs = makeCertificates(dir);
  // bcrypt (-B), the only hash the registry's htpasswd accepts; the password on stdin (-i), not in argv.
  execFileSync('htpasswd', ['-B', '-i', '-c', join(dir, 'htpasswd'), username], { input: password, stdio: ['pipe', 'ignore', 'pipe'] });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:\n  level: info',
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}`,
      `http:\n  addr: ${address}\n  tls:\n    certificate: ${certs.cert}\n    key: ${certs.key}`,
      `auth:\n  htpasswd:\n    realm: devpod-test-registry\n    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const dockerConfigDir = join(dir, 'docker-config');
  mkdirSync(dockerConfigDir);
  const dockerConfigPath = join(dockerConfigDir, 'config.json');
  writeFileSync(dockerConfigPath, JSON.stringify({ auths: { [address]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }), {
    mode: 0o600,
  });

  const logPath = join(dir, 'registry.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const ca = readFileSync(certs.ca);

  const get: PrivateRegistry['get'] = (path, o = {}) =>
    new Promise((done, fail) => {
      const headers: Record<string, string> = o.anonymous
        ? {}
        : { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
      const req = request({ host: '127.0.0.1', port, path, ca, headers, timeout: 5000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      });
      req.on('error', fail);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });

  const stop = async () => {
    if (exited === undefined) await stopProcess(child, 'SIGTERM', 3_000);
  };

  // Readiness is polled: test scaffolding waiting for a process to listen.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`docker-registry ${exited}; log:\n${readFileSync(logPath, 'utf8')}`);
    try {
      // Verified against the CA, and answering an anonymous request with a demand for the password.
      const res = await get('/v2/', { anonymous: true });
      if (res.status === 401) break;
      throw new Error(`GET /v2/ without credentials answered ${res.status}, expected 401`);
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`registry at ${address} not ready: ${String(err)}; log:\n${readFileSync(logPath, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const push = (docker: DockerCli, local: string, name: string) => {
    const ref = `${address}/${name}`;
    docker(['tag', local, ref]);
    docker(['--config', dockerConfigDir, 'push', ref]);
    docker(['rmi', ref]);
    return ref;
  };

  const authorizedAgents = (from = 0) => [
    ...new Set(
      readFileSync(logPath, 'utf8')
        .slice(from)
        .split('\n')
        .filter((l) => l.includes('msg="authorized request"'))
        .map((l) => /http\.request\.useragent="((?:[^"\\]|\\.)*)"|http\.request\.useragent=(\S+)/.exec(l))
        .map((m) => m?.[1] ?? m?.[2] ?? ''),
    ),
  ];

  return { address, caPath: certs.ca, username, password, dockerConfigDir, dockerConfigPath, logPath, authorizedAgents, push, get, stop };
}
