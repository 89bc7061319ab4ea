/**
 * Throwaway TLS servers for tests, on free loopback ports, with their files in temp dirs: a
 * private CA and a server certificate for 127.0.0.1 and localhost made with openssl, a PostgreSQL
 * that accepts TLS connections only (a `hostssl` line and no `host` line), and a Redis that
 * listens on a TLS port only. Callers stop them in afterAll (which runs when tests fail too); a
 * detached reaper per temp dir also stops the server and removes the dir if the test process dies
 * without doing so (killed, crashed, a test that never calls stop). A process 'exit' hook would
 * not do: Jest runs test files in a sandbox whose hooks do not fire when the real process exits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { freePort } from './redis-servers.js';

const HOST = '127.0.0.1';
const run = promisify(execFile);

/** Single-quotes a word for sh. */
function sq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

interface ReapedDir {
  path: string;
  /** The normal way out: stops the reaper, then removes the dir. */
  remove(): Promise<void>;
}

/**
 * A temp dir with a reaper: a detached `sh` that checks once a second whether this process still
 * lives and, once it does not, runs the shell commands `cleanUp(path)` gives and removes the dir.
 */
async function reapedDir(prefix: string, cleanUp: (path: string) => string = () => ''): Promise<ReapedDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${cleanUp(path)} rm -rf ${sq(path)}`;
  const reaper: ChildProcess = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  reaper.unref();
  return {
    path,
    async remove() {
      reaper.kill('SIGKILL');
      await rm(path, { recursive: true, force: true });
    },
  };
}

export interface TestCertificates {
  dir: string;
  /** PEM of the private CA that signed the server certificate (the one file clients trust). */
  caFile: string;
  /** Server certificate for IP 127.0.0.1 and DNS localhost, signed by the CA. */
  certFile: string;
  keyFile: string;
  remove(): Promise<void>;
}

/** A fresh CA and server certificate (P-256 keys: cheap to make), valid for two days. */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await reapedDir('dapi-tls-certs-');
  const file = (name: string) => join(dir.path, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      ...['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2'],
      ...['-subj', '/CN=data-api test CA'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ]);
    await run('openssl', [
      ...['req', '-new', ...ec, '-keyout', file('server.key'), '-out', file('server.csr')],
      ...['-subj', '/CN=localhost'],
    ]);
    await writeFile(
      file('server.ext'),
      [
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    await run('openssl', [
      ...['x509', '-req', '-in', file('server.csr'), '-days', '2', '-extfile', file('server.ext')],
      ...['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem')],
    ]);
  } catch (err) {
    await dir.remove();
    throw err;
  }
  return {
    dir: dir.path,
    caFile: file('ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    remove: () => dir.remove(),
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** PG_BIN_DIR, else the newest /usr/lib/postgresql/<major>/bin (Debian's layout). */
function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error('no PostgreSQL binaries: set PG_BIN_DIR');
  return join(root, majors[0] as string, 'bin');
}

/** postgres refuses to run as root: as root, its commands run as the OS user `postgres`. */
async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

export interface TlsPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres, with `query` (e.g. "sslmode=verify-full") appended. */
  url(query?: string): string;
  /** Fast shutdown, then removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL that speaks TLS with the given certificate and refuses plaintext: pg_hba.conf
 * holds `hostssl all all 127.0.0.1/32 trust` and nothing else, so a connection without TLS
 * finds no entry ("no encryption"). trust is fine here: loopback only, throwaway data.
 */
export async function startTlsPostgres(certs: TestCertificates): Promise<TlsPostgres> {
  const owner = await postgresOwner();
  const asOwner = owner ? ['runuser', '-u', 'postgres', '--'] : [];
  const bin = (name: string) => [...asOwner, join(postgresBinDir(), name)];
  const pg = (name: string, args: string[]) => {
    const [command, ...rest] = [...bin(name), ...args];
    return run(command as string, rest, { timeout: 60000 });
  };
  const pgCtlStop = (data: string, mode: 'fast' | 'immediate') => [
    '-D',
    data,
    '-m',
    mode,
    '-w',
    '-t',
    '20',
    'stop',
  ];
  // If this process dies first, the reaper stops the server its pid file names, if any.
  const dir = await reapedDir(
    'dapi-pg-tls-',
    (path) =>
      `${[...bin('pg_ctl'), ...pgCtlStop(join(path, 'data'), 'immediate')].map(sq).join(' ')} >/dev/null 2>&1;`,
  );
  const data = join(dir.path, 'data');
  const logFile = join(dir.path, 'postgres.log');
  let running = false;
  const shutDown = async () => {
    if (!running) return;
    running = false;
    await pg('pg_ctl', pgCtlStop(data, 'fast')).catch(() => pg('pg_ctl', pgCtlStop(data, 'immediate')));
  };

  try {
    // The server reads its key as its own user, and refuses a key others can read.
    const certFile = join(dir.path, 'server.pem');
    const keyFile = join(dir.path, 'server.key');
    await copyFile(certs.certFile, certFile);
    await copyFile(certs.keyFile, keyFile);
    await chmod(keyFile, 0o600);
    if (owner) {
      for (const path of [dir.path, certFile, keyFile]) await chown(path, owner.uid, owner.gid);
    }
    await pg('initdb', [
      ...['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'],
      ...['--no-sync', '--no-instructions'],
    ]);
    const settings = [
      `listen_addresses = '${HOST}'`,
      `unix_socket_directories = '${dir.path}'`,
      'ssl = on',
      `ssl_cert_file = '${certFile}'`,
      `ssl_key_file = '${keyFile}'`,
      // Throwaway: no durability, little memory.
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 16MB',
      'max_connections = 20',
    ];
    const conf = join(data, 'postgresql.conf');
    await writeFile(conf, `${await readFile(conf, 'utf8')}\n${settings.join('\n')}\n`);
    await writeFile(join(data, 'pg_hba.conf'), `hostssl all all ${HOST}/32 trust\n`);

    // Another process may take the free port before postgres binds it: try a few ports.
    let port = 0;
    for (let attempt = 1; !running; attempt++) {
      port = await freePort();
      try {
        await pg('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start']);
        running = true;
      } catch (err) {
        if (attempt >= 3) {
          const log = await readFile(logFile, 'utf8').catch(() => '');
          throw new Error(`postgres did not start: ${(err as Error).message}\n${log.slice(-2000)}`);
        }
      }
    }
    let stopped = false;
    return {
      port,
      url: (query?: string) => `postgres://postgres@${HOST}:${port}/postgres${query ? `?${query}` : ''}`,
      async stop() {
        if (stopped) return;
        stopped = true;
        await shutDown();
        await dir.remove();
      },
    };
  } catch (err) {
    await shutDown();
    await dir.remove();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

/** One PING over TLS trusting the CA; resolves with the first reply line. */
function tlsPing(port: number, ca: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, ca });
    let buffer = '';
    const done = (err: Error | undefined, reply?: string) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(reply as string);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`redis ${port}: no answer to PING`)));
    socket.on('error', (err) => done(err));
    socket.on('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const eol = buffer.indexOf('\r\n');
      if (eol >= 0) done(undefined, buffer.slice(0, eol));
    });
  });
}

export interface TlsRedis {
  port: number;
  /** rediss://127.0.0.1:<port> */
  url: string;
  /** SIGTERM, then removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

function halt(running: Running): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5000);
  return running.exited.finally(() => clearTimeout(timer));
}

async function bootTlsRedis(port: number, dir: string, certs: TestCertificates): Promise<Running> {
  const logFile = join(dir, 'redis.log');
  const child = spawn(
    'redis-server',
    [
      ...['--port', '0', '--tls-port', String(port), '--bind', HOST],
      ...[
        '--tls-cert-file',
        certs.certFile,
        '--tls-key-file',
        certs.keyFile,
        '--tls-ca-cert-file',
        certs.caFile,
      ],
      // Server-side TLS only: clients show no certificate (this service has none to show).
      ...['--tls-auth-clients', 'no'],
      ...['--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile],
      // Read by the reaper, should this process die before stop().
      ...['--pidfile', join(dir, 'redis.pid')],
    ],
    { stdio: 'ignore' },
  );
  // A test that never stops it must not hold the process open; the reaper stops it then.
  child.unref();
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const running = { child, exited };
  let gone = false;
  void exited.then(() => (gone = true));
  const ca = await readFile(certs.caFile, 'utf8');
  const deadline = Date.now() + 15000;
  for (;;) {
    if ((await tlsPing(port, ca).catch(() => '')) === '+PONG') return running;
    // It exited (port taken, no TLS support in this build) or never came up: fail with its log.
    if (gone || Date.now() > deadline) {
      await halt(running);
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`redis-server (TLS) on ${port} did not start:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Redis listening only on a TLS port (`--port 0`): a plaintext client gets nothing. */
export async function startTlsRedis(certs: TestCertificates): Promise<TlsRedis> {
  // The reaper kills the pid in the pid file only if that process is still a redis-server.
  const dir = await reapedDir('dapi-redis-tls-', (path) => {
    const pidFile = sq(join(path, 'redis.pid'));
    return `p=$(cat ${pidFile} 2>/dev/null) && [ "$(cat /proc/$p/comm 2>/dev/null)" = redis-server ] && kill -9 "$p";`;
  });
  let running: Running | undefined;
  let port = 0;
  try {
    // Another process may take the free port before redis-server binds it: try a few ports.
    for (let attempt = 1; !running; attempt++) {
      port = await freePort();
      try {
        running = await bootTlsRedis(port, dir.path, certs);
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await dir.remove();
    throw err;
  }
  const server = running;
  let stopped = false;
  return {
    port,
    url: `rediss://${HOST}:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt(server);
      await dir.remove();
    },
  };
}
