/**
 * The two-level cache against real Redis and real PostgreSQL: hits per level, write-through,
 * coherence between two instances sharing one Redis, single flight, warming, and no Redis.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/data/database.js';
import type { Statement } from '../../src/data/sql-catalog.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { metricValue, startServerOn, type TestServer } from '../helpers/server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Wraps a database to count the statements run by name. */
function counting(db: Database): { db: Database; count(name: string): number; reset(): void } {
  const counts = new Map<string, number>();
  const wrapped: Database = Object.create(db) as Database;
  wrapped.query = <R>(stmt: Statement, values?: Record<string, unknown>) => {
    counts.set(stmt.name, (counts.get(stmt.name) ?? 0) + 1);
    return db.query<R>(stmt, values);
  };
  return { db: wrapped, count: (n) => counts.get(n) ?? 0, reset: () => counts.clear() };
}

describe('cache with Redis, two instances on one database', () => {
  let t: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let countedB: ReturnType<typeof counting>;
  const env = () => ({
    REDIS_URL,
    REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
    CACHE_L1_TTL_MS: '60000',
  });

  beforeAll(async () => {
    t = await openTestDatabase('postgres');
    const shared = env();
    a = await startServerOn(t.db, shared);
    countedB = counting(t.db);
    b = await startServerOn(countedB.db, shared);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await t.drop();
  });

  test('when a record is read twice, then the database answers once and the second read is hit-l1', async () => {
    const created = await a.request('POST', '/data', { body: { user_id: 'cache-1', payload: { v: 1 } } });
    countedB.reset();
    const first = await b.request('GET', `/data/${created.body.id}`);
    // A's write-through put it in Redis: B's first read comes from L2, the next from L1.
    expect(first.headers.get('x-cache')).toBe('hit-l2');
    const second = await b.request('GET', `/data/${created.body.id}`);
    expect(second.headers.get('x-cache')).toBe('hit-l1');
    expect(second.text).toBe(first.text);
    expect(second.headers.get('etag')).toBe('"1"');
    expect(countedB.count('findRecordById')).toBe(0);
    const notModified = await b.request('GET', `/data/${created.body.id}`, {
      headers: { 'if-none-match': '"1"' },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('x-cache')).toBe('hit-l1');
    expect(await metricValue(b, 'cache_hits_total{level="l1"}')).toBeGreaterThanOrEqual(2);
    expect(await metricValue(b, 'cache_hits_total{level="l2"}')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(b, 'cache_hit_rate')).toBeGreaterThan(0);
  });

  test('when A writes, then the next read through B never returns the old version', async () => {
    const created = await a.request('POST', '/data', { body: { user_id: 'coherent', payload: { n: 0 } } });
    const id = created.body.id as string;
    for (let n = 1; n <= 30; n++) {
      await b.request('GET', `/data/${id}`); // B holds version n in L1
      const put = await a.request('PUT', `/data/${id}`, { body: { payload: { n } } });
      expect(put.status).toBe(200);
      const read = await b.request('GET', `/data/${id}`);
      expect(read.body.payload).toEqual({ n });
      expect(read.body.version).toBe(n + 1);
    }
    await a.request('PATCH', `/data/${id}`, {
      body: { payload: { patched: true } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect((await b.request('GET', `/data/${id}`)).body.payload).toEqual({ n: 30, patched: true });
    await a.request('DELETE', `/data/${id}`);
    const gone = await b.request('GET', `/data/${id}`);
    expect(gone.status).toBe(404);
  });

  test('when A creates, then B lists it on the first page right away', async () => {
    for (let round = 0; round < 10; round++) {
      const before = await b.request('GET', '/data?user_id=lister-c');
      const created = await a.request('POST', '/data', { body: { user_id: 'lister-c', payload: { round } } });
      const after = await b.request('GET', '/data?user_id=lister-c');
      expect(after.body.items.map((r: { id: string }) => r.id)).toEqual([
        created.body.id,
        ...before.body.items.map((r: { id: string }) => r.id),
      ]);
    }
    const bulk = await a.request('POST', '/data/bulk', {
      body: { items: [{ user_id: 'lister-c', payload: {} }] },
    });
    expect((await b.request('GET', '/data?user_id=lister-c')).body.items[0].id).toBe(bulk.body.items[0].id);
    const cached = await b.request('GET', '/data?user_id=lister-c');
    expect(cached.headers.get('x-cache')).toBe('hit-l1');
  });

  test('when 50 reads miss the same record at once, then one database query serves them', async () => {
    const created = await a.request('POST', '/data', { body: { user_id: 'stampede', payload: {} } });
    // An instance with its own key prefix: nothing cached yet in either level.
    const flushed = await startServerOn(countedB.db, {
      REDIS_URL,
      REDIS_KEY_PREFIX: `stampede-${Date.now()}:`,
    });
    try {
      countedB.reset();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => flushed.request('GET', `/data/${created.body.id}`)),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(countedB.count('findRecordById')).toBe(1);
    } finally {
      await flushed.close();
    }
  });

  test('when an instance starts, then it warms the first pages of the recently active users', async () => {
    await a.request('POST', '/data', { body: { user_id: 'warm-me', payload: { hot: true } } });
    const fresh = await startServerOn(t.db, { ...env(), REDIS_KEY_PREFIX: a.config.redisKeyPrefix });
    try {
      expect(await fresh.app.warmCache()).toBeGreaterThanOrEqual(1);
      const res = await fresh.request('GET', '/data?user_id=warm-me');
      expect(res.headers.get('x-cache')).toBe('hit-l1');
      expect(res.body.items[0].payload).toEqual({ hot: true });
    } finally {
      await fresh.close();
    }
  });

  test('when /ready is asked, then it reports the cache', async () => {
    expect((await a.request('GET', '/ready')).body).toEqual({
      status: 'ready',
      checks: { database: true, cache: true },
    });
  });
});

describe('cache without Redis', () => {
  let t: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    s = await startServerOn(t.db);
  });
  afterAll(async () => {
    await s.close();
    await t.drop();
  });

  test('when a record is read and written, then L1 serves and writes go through', async () => {
    const created = await s.request('POST', '/data', { body: { user_id: 'solo', payload: { v: 1 } } });
    expect((await s.request('GET', `/data/${created.body.id}`)).headers.get('x-cache')).toBe('hit-l1');
    await s.request('PUT', `/data/${created.body.id}`, { body: { payload: { v: 2 } } });
    const read = await s.request('GET', `/data/${created.body.id}`);
    expect(read.headers.get('x-cache')).toBe('hit-l1');
    expect(read.body).toMatchObject({ version: 2, payload: { v: 2 } });
    expect((await s.request('GET', '/ready')).body).toEqual({ status: 'ready', checks: { database: true } });
  });
});

describe('cache turned off', () => {
  let t: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    s = await startServerOn(t.db, { CACHE_ENABLED: 'false' });
  });
  afterAll(async () => {
    await s.close();
    await t.drop();
  });

  test('when CACHE_ENABLED=false, then every read is a miss', async () => {
    const created = await s.request('POST', '/data', { body: { user_id: 'nocache', payload: {} } });
    for (let i = 0; i < 3; i++) {
      expect((await s.request('GET', `/data/${created.body.id}`)).headers.get('x-cache')).toBe('miss');
      expect((await s.request('GET', '/data?user_id=nocache')).headers.get('x-cache')).toBe('miss');
    }
  });
});
