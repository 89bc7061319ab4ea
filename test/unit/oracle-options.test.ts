/**
 * Oracle settings from the environment, the pool attributes made of them, and the pool against
 * an address where nothing listens (a closed loopback port): the real driver, no server.
 */
import { createServer, type Socket } from 'node:net';
import { ORACLE_DEFAULTS, oracleOptionsFromEnv } from '../../src/config/oracle-options.js';
import { OracleDatabase, poolAttributes } from '../../src/data/oracle/oracle-database.js';

const BASE = {
  ORACLE_CONNECT_STRING: 'localhost:1521/FREEPDB1',
  ORACLE_USER: 'data_api',
  ORACLE_PASSWORD: 's3cret',
};

describe('oracleOptionsFromEnv', () => {
  test('when ORACLE_CONNECT_STRING is unset or blank, then Oracle is not configured', () => {
    expect(oracleOptionsFromEnv({})).toBeUndefined();
    expect(oracleOptionsFromEnv({ ORACLE_CONNECT_STRING: '  ', ORACLE_USER: 'x' })).toBeUndefined();
  });

  test('when only the connection is given, then the pool is fixed-size (min = max = 10) and bulk has its own timeout', () => {
    expect(oracleOptionsFromEnv(BASE)).toEqual({
      user: 'data_api',
      password: 's3cret',
      connectString: 'localhost:1521/FREEPDB1',
      ...ORACLE_DEFAULTS,
    });
    expect(ORACLE_DEFAULTS).toMatchObject({
      poolMin: 10,
      poolMax: 10,
      callTimeoutMs: 5000,
      bulkCallTimeoutMs: 30000,
    });
  });

  test('when only ORACLE_POOL_MIN is given, then the pool stays fixed-size at that size (at least 1)', () => {
    expect(oracleOptionsFromEnv({ ...BASE, ORACLE_POOL_MIN: '24' })).toMatchObject({
      poolMin: 24,
      poolMax: 24,
    });
    expect(oracleOptionsFromEnv({ ...BASE, ORACLE_POOL_MIN: '0' })).toMatchObject({ poolMin: 0, poolMax: 1 });
  });

  test('when sizes and timeouts are given, then they are used', () => {
    const o = oracleOptionsFromEnv({
      ...BASE,
      ORACLE_POOL_MIN: '2',
      ORACLE_POOL_MAX: '8',
      ORACLE_QUEUE_TIMEOUT_MS: '1500',
      ORACLE_CALL_TIMEOUT_MS: '2500',
      ORACLE_BULK_CALL_TIMEOUT_MS: '12000',
    });
    expect(o).toMatchObject({
      poolMin: 2,
      poolMax: 8,
      queueTimeoutMs: 1500,
      callTimeoutMs: 2500,
      bulkCallTimeoutMs: 12000,
    });
  });

  test.each([
    [{ ORACLE_USER: '' }, 'ORACLE_USER'],
    [{ ORACLE_PASSWORD: undefined }, 'ORACLE_PASSWORD'],
    [{ ORACLE_POOL_MIN: 'ten' }, 'ORACLE_POOL_MIN'],
    [{ ORACLE_POOL_MAX: '0' }, 'ORACLE_POOL_MAX'],
    [{ ORACLE_POOL_MIN: '20', ORACLE_POOL_MAX: '5' }, 'ORACLE_POOL_MIN'],
    [{ ORACLE_QUEUE_TIMEOUT_MS: '-1' }, 'ORACLE_QUEUE_TIMEOUT_MS'],
    [{ ORACLE_CALL_TIMEOUT_MS: '1.5' }, 'ORACLE_CALL_TIMEOUT_MS'],
    [{ ORACLE_BULK_CALL_TIMEOUT_MS: '0' }, 'ORACLE_BULK_CALL_TIMEOUT_MS'],
    [{ ORACLE_POOL_MIN: '11', ORACLE_POOL_MAX: '10' }, 'ORACLE_POOL_MIN'],
  ])('when %o, then the error names %s', (change, name) => {
    expect(() => oracleOptionsFromEnv({ ...BASE, ...change })).toThrow(new RegExp(`^${name}: `));
  });

  test('when the pool is configured, then the driver gets a fixed size, queue timeout, statement cache, ping interval and statistics', () => {
    const attrs = poolAttributes(oracleOptionsFromEnv(BASE)!);
    expect(attrs).toMatchObject({
      connectString: 'localhost:1521/FREEPDB1',
      poolMin: 10,
      poolMax: 10,
      queueTimeout: 5000,
      stmtCacheSize: 40,
      poolPingInterval: 60,
      enableStatistics: true,
    });
    // callTimeout is a connection property, set on every checkout, not a pool attribute.
    expect(attrs).not.toHaveProperty('callTimeout');
  });
});

/** A loopback port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('OracleDatabase when no Oracle answers', () => {
  async function unreachable(poolMin: number): Promise<OracleDatabase> {
    const env = { ...BASE, ORACLE_CONNECT_STRING: `127.0.0.1:${await closedPort()}/FREEPDB1` };
    return OracleDatabase.open({ ...oracleOptionsFromEnv(env)!, poolMin, queueTimeoutMs: 2000 });
  }

  test('when a statement needs a session, then it fails at once with 503, Retry-After and the NJS cause', async () => {
    // Thin createPool resolves at once and opens poolMin sessions in the background.
    const db = await unreachable(1);
    try {
      const err = await db
        .execute({ name: 'probe', text: 'SELECT 1 FROM dual', binds: [] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 503, retryAfterSeconds: 1 });
      expect((err as { cause?: { code?: string } }).cause?.code).toMatch(/^NJS-5\d\d$/);
    } finally {
      await db.close(0);
    }
  });

  test('when readiness pings, then it fails with 503, and the pool still closes', async () => {
    const db = await unreachable(0);
    try {
      await expect(db.ping()).rejects.toMatchObject({ status: 503 });
    } finally {
      await expect(db.close(0)).resolves.toBeUndefined();
    }
  });
});

describe('OracleDatabase pool figures', () => {
  test('when a request waits for the only session, then poolStats reports it waiting (pool.getStatistics)', async () => {
    // A listener that accepts and never answers: the one session stays "being opened", so the
    // pool (max 1) queues the next request, as it would while every session is busy.
    const sockets = new Set<Socket>();
    let refusing = false;
    const silent = createServer((socket) => {
      socket.on('error', () => undefined);
      if (refusing) socket.destroy();
      else sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const env = { ...BASE, ORACLE_CONNECT_STRING: `127.0.0.1:${port}/FREEPDB1` };
    const db = await OracleDatabase.open({
      ...oracleOptionsFromEnv(env)!,
      poolMin: 0,
      poolMax: 1,
      queueTimeoutMs: 3000,
    });
    const probe = { name: 'probe', text: 'SELECT 1 FROM dual', binds: [] };
    try {
      expect(db.poolStats()).toEqual({ active: 0, idle: 0, waiting: 0, max: 1 });
      const first = db.execute(probe).catch((e: unknown) => e);
      const second = db.execute(probe).catch((e: unknown) => e);
      const deadline = Date.now() + 2000;
      while (db.poolStats().waiting === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(db.poolStats().waiting).toBe(1);
      refusing = true;
      for (const s of sockets) s.destroy();
      await Promise.all([first, second]);
    } finally {
      refusing = true;
      for (const s of sockets) s.destroy();
      await db.close(0);
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    // A closed pool refuses getStatistics: a scrape during shutdown reads 0, not an error.
    expect(db.poolStats().waiting).toBe(0);
  });
});
