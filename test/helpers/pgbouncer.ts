/**
 * A real PgBouncer for tests: Debian's package (1.18 on Debian 12; mk/ensure-pgbouncer.sh installs
 * it when missing), started on a free loopback port in front of the PostgreSQL at
 * TEST_DATABASE_URL, with its configuration in a temp dir. SIGKILLed when the test process exits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { TEST_DATABASE_URL } from './databases.js';
import { freePort } from './redis-servers.js';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

let binary: Promise<string> | undefined;

/** The pgbouncer binary, installed on first use when missing (as root). */
export function ensurePgbouncer(): Promise<string> {
  binary ??= promisify(execFile)('bash', [join(PROJECT_ROOT, 'mk', 'ensure-pgbouncer.sh')], {
    timeout: 300_000,
  }).then(
    ({ stdout }) => stdout.trim(),
    (err: { stderr?: string; message: string }) => {
      throw new Error(`pgbouncer is not available: ${err.stderr || err.message}`);
    },
  );
  return binary;
}

export interface TestPgbouncer {
  /** postgres://user:password@127.0.0.1:<port>/<db> through PgBouncer. */
  url: string;
  version: string;
  /** SIGKILL: the pooler vanishes as a crashed one would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface PgbouncerOptions {
  poolMode?: 'session' | 'transaction';
  /** Server connections per user and database. */
  poolSize?: number;
  /** The user PgBouncer logs in to PostgreSQL as (default: the one of TEST_DATABASE_URL). */
  user?: { name: string; password: string };
}

function waitForPort(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => {
        socket.destroy();
        if (exited()) reject(new Error('pgbouncer exited before it listened'));
        else if (Date.now() > deadline) reject(new Error('pgbouncer did not listen within 10 s'));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts PgBouncer in front of TEST_DATABASE_URL (transaction mode by default). */
export async function startPgbouncer(options: PgbouncerOptions = {}): Promise<TestPgbouncer> {
  const bin = await ensurePgbouncer();
  const server = new URL(TEST_DATABASE_URL);
  const database = server.pathname.slice(1);
  const user = options.user ?? {
    name: decodeURIComponent(server.username),
    password: decodeURIComponent(server.password),
  };
  const dir = await mkdtemp(join(tmpdir(), 'dapi-pgbouncer-'));
  // pgbouncer refuses to run as root: as root it is told to switch to nobody, who must read these.
  await chmod(dir, 0o755);
  const port = await freePort();
  const serverLogin = `user=${user.name}` + (user.password ? ` password=${user.password}` : '');
  const ini = [
    '[databases]',
    `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database} ${serverLogin}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'users.txt')}`,
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.poolSize ?? 5}`,
    'max_client_conn = 200',
    // Unknown start-up parameters stay refused, as in a default install.
    'ignore_startup_parameters =',
    'server_reset_query =',
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), `${ini}\n`, { mode: 0o644 });
  await writeFile(join(dir, 'users.txt'), `"${user.name}" ""\n`, { mode: 0o644 });
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
  const logFile = join(dir, 'pgbouncer.log');
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(logFile, 'w');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      gone = true;
      live.delete(child);
      resolve();
    });
  });
  try {
    await waitForPort(port, () => gone);
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${log.slice(-2000)}`);
  }
  const { stdout } = await promisify(execFile)(bin, ['--version']);
  const halt = async (signal: NodeJS.Signals) => {
    if (!gone) child.kill(signal);
    await exited;
  };
  const auth = user.password ? `${user.name}:${encodeURIComponent(user.password)}` : user.name;
  return {
    url: `postgres://${auth}@127.0.0.1:${port}/${database}`,
    version: stdout.split('\n')[0]!.trim(),
    kill: () => halt('SIGKILL'),
    async stop() {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
