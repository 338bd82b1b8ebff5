// A private image registry on loopback, as a team runs one: Debian's docker-registry serving TLS with a certificate
// from a CA made here (openssl), and asking for a password it checks against an htpasswd file (bcrypt, apache2-utils).
// `alsoOn`: the same registry answers at a second host address too (a TCP forward to it, same port, the address in
// its certificate), e.g. the Docker bridge's gateway, where a task on the bridge network reaches it: loopback is the
// task's own. `plainDoor`: it also answers plain HTTP on another loopback port (a forward that speaks TLS, with the
// CA, to the registry; the registry then writes relative Location headers), for Docker 20.10's builder: BuildKit
// inside dockerd trusts no CA the engine was not started with, skips no verification, and on loopback speaks plain
// HTTP (`devpod build --provider docker` stopped with `400 Bad Request` from the TLS port; tried once by hand).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createConnection, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import type { DockerCli } from '../harness/docker-engine.js';
import { freePort, stopProcess } from '../harness/nomad-agent.js';
import { ensureDebianPackages } from './debian.js';

export interface PrivateRegistry {
  /** host:port, the registry part of an image reference. */
  address: string;
  /** host:port at `alsoOn` (the same registry, the same port), when asked for. */
  alsoAddress?: string;
  /** 127.0.0.1:port of the plain-HTTP door to the same registry, when asked for. */
  plainAddress?: string;
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
function makeCertificates(dir: string, alsoOn?: string): { ca: string; cert: string; key: string } {
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
  const names = ['IP:127.0.0.1', 'DNS:localhost', ...(alsoOn ? [`IP:${alsoOn}`] : [])].join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${names}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
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

/**
 * Listens on host:port (0: any free port) and forwards every connection to the registry at 127.0.0.1:`target`, as
 * it is or, with `ca`, over TLS verified against it. Resolves to the port it listens on and its stop.
 */
async function forwardTo(host: string, port: number, target: number, ca?: Buffer): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = ca ? tlsConnect({ host: '127.0.0.1', port: target, ca }) : createConnection({ host: '127.0.0.1', port: target });
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done, fail) => server.once('error', fail).listen(port, host, () => done()));
  return {
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

export async function startPrivateRegistry(
  dir: string,
  opts: { username?: string; password?: string; alsoOn?: string; plainDoor?: boolean } = {},
): Promise<PrivateRegistry> {
  ensureDebianPackages(['docker-registry', 'apache2-utils']);
  mkdirSync(dir, { recursive: true });
  const username = opts.username ?? 'devpod-robot';
  const password = opts.password ?? `reg-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const certs = makeCertificates(dir, opts.alsoOn);
  // bcrypt (-B), the only hash the registry's htpasswd accepts; the password on stdin (-i), not in argv.
  execFileSync('htpasswd', ['-B', '-i', '-c', join(dir, 'htpasswd'), username], { input: password, stdio: ['pipe', 'ignore', 'pipe'] });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const alsoAddress = opts.alsoOn ? `${opts.alsoOn}:${port}` : undefined;
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:\n  level: info',
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}`,
      `http:\n  addr: ${address}${opts.plainDoor ? '\n  relativeurls: true' : ''}\n  tls:\n    certificate: ${certs.cert}\n    key: ${certs.key}`,
      `auth:\n  htpasswd:\n    realm: devpod-test-registry\n    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const dockerConfigDir = join(dir, 'docker-config');
  mkdirSync(dockerConfigDir);
  const dockerConfigPath = join(dockerConfigDir, 'config.json');

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

  const forwards: Array<() => Promise<void>> = [];
  let plainAddress: string | undefined;
  try {
    if (opts.alsoOn) forwards.push((await forwardTo(opts.alsoOn, port, port)).stop);
    if (opts.plainDoor) {
      const door = await forwardTo('127.0.0.1', 0, port, ca);
      forwards.push(door.stop);
      plainAddress = `127.0.0.1:${door.port}`;
    }
  } catch (err) {
    await Promise.all(forwards.map((f) => f()));
    await stopProcess(child, 'SIGTERM', 3_000);
    throw new Error(`cannot serve the registry's other addresses: ${(err as Error).message}`);
  }
  // The credentials for every address the registry answers at, as `docker login` to each writes them.
  const auth = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  writeFileSync(
    dockerConfigPath,
    JSON.stringify({
      auths: { [address]: auth, ...(alsoAddress ? { [alsoAddress]: auth } : {}), ...(plainAddress ? { [plainAddress]: auth } : {}) },
    }),
    {
      mode: 0o600,
    },
  );
  const stop = async () => {
    await Promise.all(forwards.map((f) => f()));
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

  return {
    address,
    alsoAddress,
    plainAddress,
    caPath: certs.ca,
    username,
    password,
    dockerConfigDir,
    dockerConfigPath,
    logPath,
    authorizedAgents,
    push,
    get,
    stop,
  };
}
