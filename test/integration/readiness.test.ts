/**
 * /ready against a real PostgreSQL: a pool whose every connection is held by slow statements is
 * busy, not down, so the pod stays in the Service; a database that stops answering takes it out.
 */
import { POSTGRES_MIGRATIONS_DIR } from '../../src/config/paths.js';
import type { Database } from '../../src/data/database.js';
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { RECENT_SUCCESS_MS } from '../../src/data/pg-ping.js';
import { createPostgres } from '../../src/data/postgres.js';
import type { Statement } from '../../src/data/sql-catalog.js';
import { adminQuery, TEST_DATABASE_URL, uniqueSchema } from '../helpers/databases.js';
import { startPgbouncer } from '../helpers/pgbouncer.js';
import { startServerOn, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW: Statement = { name: 'dapiHold', text: 'SELECT pg_sleep(6)', params: [] };
// The chart's readiness probe gives up after 2 s.
const PROBE_TIMEOUT_MS = 2000;

async function timedReady(s: TestServer): Promise<{ status: number; ms: number; database: unknown }> {
  const started = Date.now();
  const res = await s.request('GET', '/ready');
  return { status: res.status, ms: Date.now() - started, database: res.body.checks?.database };
}

describe('readiness when the pool is saturated', () => {
  const schema = uniqueSchema();
  let db: Database;
  let s: TestServer;
  beforeAll(async () => {
    db = createPostgres({
      url: TEST_DATABASE_URL,
      schema,
      poolMax: 2,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
    });
    await migrate(db, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
    s = await startServerOn(db);
  });
  afterAll(async () => {
    await s.close();
    await db.close();
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('when every pool connection is held by a slow statement and more wait, then /ready answers 200 within the probe timeout', async () => {
    const held = [db.query(SLOW), db.query(SLOW), db.query(SLOW)];
    // Past the window in which a recent success would answer: the ping must reach the database.
    await sleep(RECENT_SUCCESS_MS + 300);
    expect(db.poolStats!()).toMatchObject({ active: 2, waiting: 1, max: 2 });
    const ready = await timedReady(s);
    expect(ready).toMatchObject({ status: 200, database: true });
    expect(ready.ms).toBeLessThan(PROBE_TIMEOUT_MS);
    // A request still waits for the pool: the pool is saturated indeed, readiness just does not queue behind it.
    expect(db.poolStats!().waiting).toBeGreaterThanOrEqual(1);
    // The third waits past DB_CONNECT_TIMEOUT_MS for a connection: 503, as a request would.
    const outcomes = await Promise.allSettled(held);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  }, 30_000);
});

describe('readiness when the database stops answering', () => {
  test('when the pooler in front of PostgreSQL is killed, then /ready turns 503 within the probe timeout', async () => {
    const bouncer = await startPgbouncer({ poolMode: 'transaction' });
    const schema = uniqueSchema();
    const db = createPostgres({
      url: bouncer.url,
      schema,
      poolMax: 2,
      connectTimeoutMs: 1000,
      statementTimeoutMs: 5000,
      pooler: 'transaction',
    });
    await migrate(db, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
    const s = await startServerOn(db);
    try {
      expect(await timedReady(s)).toMatchObject({ status: 200, database: true });
      await bouncer.kill();
      // A success less than RECENT_SUCCESS_MS ago still counts; after it, the ping finds nothing.
      await sleep(RECENT_SUCCESS_MS + 100);
      const down = await timedReady(s);
      expect(down).toMatchObject({ status: 503, database: false });
      expect(down.ms).toBeLessThan(PROBE_TIMEOUT_MS);
    } finally {
      await s.close();
      await db.close();
      await bouncer.stop();
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  }, 60_000);
});
