/**
 * The Oracle storage around the pool, without a server: a refused account (ORA-01017, ORA-28000,
 * ORA-28001) stops the start and makes /ready say why, instead of passing for an outage (503 with
 * Retry-After); any other failure stays an outage. Errors are built by the installed driver's own
 * errors module, and /ready and /data are answered by the real app over HTTP.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { OracleDatabase } from '../../src/data/oracle/oracle-database.js';
import { mapOracleError, oracleUnavailable } from '../../src/data/oracle/oracle-errors.js';
import { oracleStorage, probeOracle } from '../../src/data/oracle/oracle-storage.js';
import { createLogger } from '../../src/observability/logger.js';
import { checkReadiness } from '../../src/services/readiness.js';

const driver = createRequire(import.meta.url)('oracledb/lib/errors.js') as {
  transformErr(err: Error): Error;
};
/** A database error (ORA-nnnnn) the way the Thin driver raises it. */
const ora = (num: number) =>
  driver.transformErr(Object.assign(new Error(`ORA-${String(num).padStart(5, '0')}: x`), { errorNum: num }));

/** An OracleDatabase whose every session request fails with err, mapped as the real one maps it. */
function failingDb(err: Error) {
  let closed = 0;
  const db = {
    kind: 'oracle',
    bulkCallTimeoutMs: 30_000,
    execute: async () => Promise.reject(oracleUnavailable(err)),
    withConnection: async () => Promise.reject(oracleUnavailable(err)),
    ping: async () => Promise.reject(oracleUnavailable(err)),
    poolStats: () => ({ active: 0, idle: 0, waiting: 0, max: 1 }),
    close: async () => {
      closed++;
    },
  } as unknown as OracleDatabase;
  return { db, closed: () => closed };
}

const NO_CACHE = { configured: false, ping: async () => false };
const logLines = () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { lines, logger };
};

describe('readiness on Oracle', () => {
  test.each([
    [1017, 'ORA-01017: invalid username or password'],
    [28000, 'ORA-28000: the account is locked'],
    [28001, 'ORA-28001: the password has expired'],
  ])(
    'when the database refuses the account (ORA-%s), then /ready is false and names the reason',
    async (num, reason) => {
      const storage = oracleStorage(failingDb(ora(num)).db);
      const report = await checkReadiness({
        database: storage,
        cache: NO_CACHE,
        lifecycle: { draining: false },
      });
      expect(report).toEqual({
        ready: false,
        failing: `database: the database refused the account (${reason})`,
        checks: { database: false },
      });
    },
  );

  test('when the database is only unreachable, then /ready is false with the plain reason, as before', async () => {
    const storage = oracleStorage(failingDb(ora(12541)).db);
    const report = await checkReadiness({
      database: storage,
      cache: NO_CACHE,
      lifecycle: { draining: false },
    });
    expect(report).toEqual({ ready: false, failing: 'database', checks: { database: false } });
  });

  test('when the app runs over a refused account, then /ready answers not-ready with the reason and /data 500 without Retry-After', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      AUTH_MODE: 'none',
    });
    const storage = oracleStorage(failingDb(ora(28000)).db);
    const app = await createApp({ config, storage, logger: createLogger('silent') });
    const server = createServer(app.koa.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { code: string; detail: string };
      expect(body.code).toBe('DAPI-5031');
      expect(body.detail).toContain('ORA-28000: the account is locked');
      const data = await fetch(`${base}/data/0190f5e4-7a1b-7c2d-8e3f-123456789abc`);
      expect(data.status).toBe(500);
      expect(data.headers.get('retry-after')).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the start on Oracle', () => {
  test('when the account is refused at start, then the start fails naming the variables, and the pool is closed', async () => {
    const f = failingDb(ora(1017));
    const { logger } = logLines();
    await expect(probeOracle(f.db, logger)).rejects.toThrow(
      'Oracle refused ORACLE_USER (ORA-01017: invalid username or password): check ORACLE_USER and ORACLE_PASSWORD',
    );
    expect(f.closed()).toBe(1);
  });

  test('when Oracle does not answer at start, then the start goes on with a warning (/ready tells)', async () => {
    const f = failingDb(ora(12541));
    const { lines, logger } = logLines();
    await expect(probeOracle(f.db, logger)).resolves.toBeUndefined();
    expect(lines.map((l) => l.msg)).toEqual(['Oracle did not answer at start']);
    expect(f.closed()).toBe(0);
  });

  test('when a refused account is met by a request, then it is a 500 without Retry-After, not an outage', () => {
    for (const num of [1017, 28000, 28001]) {
      for (const mapped of [mapOracleError(ora(num)), oracleUnavailable(ora(num))]) {
        expect([num, mapped.status, mapped.retryAfterSeconds]).toEqual([num, 500, undefined]);
      }
    }
  });
});

describe('the Oracle storage', () => {
  test('when it is built, then it keeps partitions (the retention), unlike before', () => {
    const storage = oracleStorage(failingDb(ora(12541)).db);
    expect(storage.kind).toBe('oracle');
    expect(storage.partitions).toBeDefined();
    expect(storage.partitions?.stats()).toBeUndefined();
  });
});
