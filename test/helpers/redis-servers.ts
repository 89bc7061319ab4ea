/**
 * Throwaway Redis servers for tests, on free loopback ports, with their files in temp dirs:
 * one server that a test can stop, SIGKILL and restart on the same port, and a real Redis
 * Cluster of N masters. Every process started here is also SIGKILLed when the test process
 * exits, so a test that fails before its afterAll leaves nothing running.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const HOST = '127.0.0.1';
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port nothing listens on right now (the OS picks it; a race with another process is retried by callers). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Sends one inline command and returns the raw reply (a simple line, or a bulk string's body). */
export function redisCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    let buffer = '';
    const done = (err: Error | undefined, reply?: string) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(reply as string);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`redis ${port}: no answer to ${command}`)));
    socket.on('error', (err) => done(err));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const eol = buffer.indexOf('\r\n');
      if (eol < 0) return;
      if (!buffer.startsWith('$')) return done(undefined, buffer.slice(0, eol));
      const length = Number(buffer.slice(1, eol));
      if (length < 0) return done(undefined, '');
      if (buffer.length >= eol + 2 + length) done(undefined, buffer.slice(eol + 2, eol + 2 + length));
    });
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  giveUp: () => boolean = () => false,
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (giveUp()) throw new Error(`gave up waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

function spawnRedis(args: string[]): Running {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  return { child, exited };
}

async function halt(running: Running | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!running) return;
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5000);
  await running.exited;
  clearTimeout(timer);
}

/** Starts redis-server with args and waits for PING; rejects with its log if it does not come up. */
async function bootRedis(port: number, args: string[], logFile: string): Promise<Running> {
  const running = spawnRedis(['--port', String(port), '--bind', HOST, '--logfile', logFile, ...args]);
  let gone = false;
  void running.exited.then(() => (gone = true));
  try {
    await waitFor(
      `redis on ${port}`,
      async () => (await redisCommand(port, 'PING')) === '+PONG',
      () => gone, // it exited (port taken, bad argument): fail now, not after the timeout
    );
  } catch {
    await halt(running, 'SIGKILL');
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`redis-server on ${port} did not start:\n${log.slice(-2000)}`);
  }
  return running;
}

const EPHEMERAL = ['--save', '', '--appendonly', 'no'];

export interface TestRedis {
  url: string;
  port: number;
  /** SIGTERM, then removes its files. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL: the server vanishes as in a crash. */
  kill(): Promise<void>;
  /** Stops it if it runs, then starts it again on the same port (empty: nothing is saved). */
  restart(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'dapi-redis-'));
  const args = [...EPHEMERAL, '--dir', dir];
  const logFile = join(dir, 'redis.log');
  let port = 0;
  let running: Running | undefined;
  // Another process may take the free port before redis-server binds it: try a few ports.
  for (let attempt = 1; !running; attempt++) {
    port = await freePort();
    try {
      running = await bootRedis(port, args, logFile);
    } catch (err) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let stopped = false;
  return {
    url: `redis://${HOST}:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt(running, 'SIGTERM');
      running = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await halt(running, 'SIGKILL');
      running = undefined;
    },
    async restart() {
      if (stopped) throw new Error('restart after stop');
      await halt(running, 'SIGTERM');
      running = await bootRedis(port, args, logFile);
    },
  };
}

export interface TestRedisCluster {
  /** host:port of every master, as RedisGatewayOptions.clusterNodes takes them. */
  nodes: string[];
  stop(): Promise<void>;
}

/** A real cluster of `masters` masters and no replicas, every slot assigned, cluster_state:ok. */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  if (masters < 3) throw new Error('redis-cli --cluster create needs at least 3 masters');
  const dir = await mkdtemp(join(tmpdir(), 'dapi-redis-cluster-'));
  const servers: Running[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => halt(s, 'SIGTERM')));
    servers.length = 0;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const pick = async () => {
      let p = await freePort();
      while (taken.has(p)) p = await freePort();
      taken.add(p);
      return p;
    };
    for (let i = 0; i < masters; i++) {
      const port = await pick();
      // cluster-port (Redis 7) sets the bus port, so it need not be port + 10000.
      const busPort = await pick();
      const args = [
        ...EPHEMERAL,
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        '5000',
      ];
      servers.push(await bootRedis(port, args, join(dir, `redis-${port}.log`)));
      ports.push(port);
    }
    const nodes = ports.map((p) => `${HOST}:${p}`);
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30000 },
    );
    for (const port of ports) {
      await waitFor(`cluster_state:ok on ${port}`, async () =>
        (await redisCommand(port, 'CLUSTER INFO')).includes('cluster_state:ok'),
      );
    }
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls check every 50 ms until it holds; throws naming `what` after timeoutMs. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
