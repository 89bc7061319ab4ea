/**
 * When PostgreSQL is unreachable or slow: readiness says so, requests answer 503 or 504
 * problem+json (never 500, never a hang), and a timed-out write changes nothing.
 */
import { createPostgres } from '../../src/data/postgres.js';
import { adminQuery, openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestServer } from '../helpers/server.js';
import pg from 'pg';

describe('when the database cannot be reached', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    const db = createPostgres({
      url: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'public',
      poolMax: 2,
      connectTimeoutMs: 1000,
      statementTimeoutMs: 1000,
    });
    s = await startServerOn(db);
  });
  afterAll(async () => {
    await s.close();
    await s.db.close();
  });

  test('then /health stays 200 and /ready answers 503 with database false', async () => {
    expect((await s.request('GET', '/health')).status).toBe(200);
    const ready = await s.request('GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'DAPI-5031', checks: { database: false } });
  });

  test('then reads and writes answer 503 database-unavailable with Retry-After', async () => {
    const requests: [string, string, object?][] = [
      ['POST', '/data', { user_id: 'u', payload: {} }],
      ['GET', '/data?user_id=u'],
      ['GET', '/data/01937a4e-8f2c-7cc1-9b1e-5f4a2d3c1b0a'],
      ['POST', '/data/bulk', { items: [{ user_id: 'u', payload: {} }] }],
    ];
    for (const [method, path, body] of requests) {
      const res = await s.request(method, path, { body });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('DAPI-5032');
      expect(res.headers.get('retry-after')).toBe('1');
    }
  });
});

describe('when a statement runs past DB_STATEMENT_TIMEOUT_MS', () => {
  let t: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    t = await openTestDatabase('postgres', { statementTimeoutMs: 300 });
    s = await startServerOn(t.db);
  });
  afterAll(async () => {
    await s.close();
    await t.drop();
  });

  test('then the request answers 504 and the record is unchanged', async () => {
    const created = await s.request('POST', '/data', { body: { user_id: 'slow', payload: { v: 1 } } });
    // Another session holds the row lock, so the update waits until the timeout cancels it.
    const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ${t.schema}.records WHERE id = $1 FOR UPDATE`, [created.body.id]);
      const res = await s.request('PUT', `/data/${created.body.id}`, { body: { payload: { v: 2 } } });
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('DAPI-5041');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const after = await s.request('GET', `/data/${created.body.id}`);
    expect(after.body).toMatchObject({ version: 1, payload: { v: 1 } });
  });

  test('then the pool recovers for the next request', async () => {
    const rows = await adminQuery(`SELECT count(*)::int AS n FROM ${t.schema}.records`);
    expect(rows.rows[0].n).toBeGreaterThanOrEqual(1);
    expect((await s.request('GET', '/data?user_id=slow')).status).toBe(200);
  });
});
