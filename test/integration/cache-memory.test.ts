/**
 * The cache's memory, as one user can grow it: both levels stay within their bounds in bytes
 * (CACHE_L1_MAX_BYTES, CACHE_L2_MAX_BYTES, CACHE_ENTRY_MAX_BYTES) however many limits and records
 * are read, and no lifetime is extended by reading or by filling again (docs/caching.md#memory).
 * Real PostgreSQL, real Redis, two instances over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { L2Budget } from '../../src/cache/l2-budget.js';
import { L2Store } from '../../src/cache/l2-store.js';
import { recordIdOf } from '../../src/domain/record-id.js';
import { createRedisGateway } from '../../src/redis/ioredis-gateway.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { metricValue, startServerOn, type TestServer } from '../helpers/server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MiB = 1024 * 1024;
const L1_MAX = MiB;
const L2_MAX = MiB;
const ENTRY_MAX = 64 * 1024;

let t: TestDatabase;
let a: TestServer;
let b: TestServer;
let redis: Redis;
const prefix = `test-mem-${randomBytes(4).toString('hex')}:`;

beforeAll(async () => {
  t = await openTestDatabase('postgres');
  const env = {
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CACHE_L1_MAX_BYTES: String(L1_MAX),
    CACHE_L2_MAX_BYTES: String(L2_MAX),
    CACHE_ENTRY_MAX_BYTES: String(ENTRY_MAX),
    CACHE_L1_TTL_MS: '60000',
  };
  a = await startServerOn(t.db, env);
  b = await startServerOn(t.db, env);
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await a.close();
  await b.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await t.drop();
});

/** What the cache holds in Redis: its keys, the bytes of their values, and Redis's own count of their memory. */
async function l2Usage(): Promise<{ keys: number; valueBytes: number; memory: number }> {
  // The cache's keys are those of its key groups, `{c:<n>}` (src/cache/cache-keys.ts).
  const keys = await redis.keys(`${prefix}{c:*`);
  let valueBytes = 0;
  let memory = 0;
  for (const k of keys) {
    valueBytes += await redis.strlen(k);
    memory += (await redis.memory('USAGE', k)) ?? 0;
  }
  return { keys: keys.length, valueBytes, memory };
}

async function expectWithinBounds(stage: string): Promise<void> {
  const used = await l2Usage();
  // Content is bounded by CACHE_L2_MAX_BYTES; versions without content, generations and budget
  // counters add a few dozen bytes per key.
  expect({ stage, over: used.valueBytes > L2_MAX + used.keys * 64 }).toEqual({ stage, over: false });
  expect({ stage, over: used.memory > L2_MAX + used.keys * 256 }).toEqual({ stage, over: false });
  for (const s of [a, b]) {
    expect({ stage, over: (await metricValue(s, 'cache_l1_bytes')) > L1_MAX }).toEqual({
      stage,
      over: false,
    });
  }
}

describe('one user reading large records every way', () => {
  const user = 'big-reader';
  const ids: string[] = [];

  beforeAll(async () => {
    // 100 records of 30 KiB: 3 MiB, three times what either level may hold.
    for (let made = 0; made < 100; made += 25) {
      const items = Array.from({ length: 25 }, (_, i) => ({
        user_id: user,
        payload: { n: made + i, s: randomBytes(15 * 1024).toString('hex') },
      }));
      const res = await a.request('POST', '/data/bulk', { body: { items } });
      expect(res.status).toBe(201);
      ids.push(...res.body.items.map((r: { id: string }) => r.id));
    }
  }, 60_000);

  test('when a user lists with every limit from 51 to 100, then neither level grows past its bound', async () => {
    const before = await l2Usage();
    for (let limit = 51; limit <= 100; limit++) {
      const res = await (limit % 2 ? a : b).request('GET', `/data?user_id=${user}&limit=${limit}`);
      expect([res.status, res.body.items.length, res.headers.get('x-cache')]).toEqual([200, limit, 'miss']);
    }
    // Pages other than the default size are not kept at all.
    expect((await l2Usage()).valueBytes).toBe(before.valueBytes);
    await expectWithinBounds('limits 51..100');
    // The default page (20 records of 30 KiB) is larger than one entry may be: served, not kept.
    for (let i = 0; i < 2; i++) {
      expect((await a.request('GET', `/data?user_id=${user}`)).headers.get('x-cache')).toBe('miss');
    }
  }, 60_000);

  test('when a user reads each of 100 large records twice on both instances, then neither level grows past its bound', async () => {
    for (let round = 0; round < 2; round++) {
      for (const id of ids) {
        for (const s of [a, b]) expect((await s.request('GET', `/data/${id}`)).status).toBe(200);
      }
      await expectWithinBounds(`reads, round ${round}`);
    }
    const used = await l2Usage();
    // The bound is spent, not avoided: L2 holds records, up to its bound.
    expect(used.valueBytes).toBeGreaterThan(L2_MAX / 4);
    expect(await metricValue(a, 'cache_l1_bytes')).toBeGreaterThan(L1_MAX / 2);
  }, 120_000);
});

describe('lifetimes', () => {
  test('when a cached record is read again and again, then its Redis lifetime only runs down', async () => {
    // An instance whose L1 entries live 1 ms: each of its reads is answered by L2.
    const l2reader = await startServerOn(t.db, { REDIS_URL, REDIS_KEY_PREFIX: prefix, CACHE_L1_TTL_MS: '1' });
    try {
      const created = await a.request('POST', '/data', { body: { user_id: 'ttl-1', payload: { v: 1 } } });
      const [key] = (await redis.keys(`${prefix}*r:${created.body.id}`)) as [string];
      const first = await redis.pttl(key);
      const sources: string[] = [];
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 200));
        sources.push((await l2reader.request('GET', `/data/${created.body.id}`)).headers.get('x-cache')!);
        expect((await b.request('GET', `/data/${created.body.id}`)).status).toBe(200);
      }
      expect(sources).toEqual(Array(6).fill('hit-l2'));
      expect(await redis.pttl(key)).toBeLessThanOrEqual(first - 1000);
    } finally {
      await l2reader.close();
    }
  });

  test('when a record or a page is filled again with what L2 holds, then neither lifetime is extended', async () => {
    const gateway = createRedisGateway({
      url: REDIS_URL,
      keyPrefix: prefix,
      commandTimeoutMs: 2000,
      breakerThreshold: 5,
      breakerCooldownMs: 100,
    });
    try {
      await gateway.waitUntilReady(undefined, 2000);
      const l2 = new L2Store(gateway, new L2Budget(L2_MAX, 300), {
        ttlSeconds: 300,
        tombstoneTtlSeconds: 60,
      });
      const created = await a.request('POST', '/data', { body: { user_id: 'ttl-2', payload: { v: 1 } } });
      const id = recordIdOf(created.body.id as string);
      await a.request('GET', '/data?user_id=ttl-2');
      const [recordKey] = (await redis.keys(`${prefix}*r:${id}`)) as [string];
      const [pageKey] = (await redis.keys(`${prefix}*u:ttl-2:p`)) as [string];
      const before = [await redis.pttl(recordKey), await redis.pttl(pageKey)];
      await new Promise((r) => setTimeout(r, 1100));
      const held = await l2.record(id);
      await l2.fillRecord(id, held!.entry!);
      const page = await l2.page('ttl-2');
      await l2.fillPage('ttl-2', page!.generation, page!.bytes!);
      const after = [await redis.pttl(recordKey), await redis.pttl(pageKey)];
      expect(after[0]).toBeLessThanOrEqual(before[0]! - 1000);
      expect(after[1]).toBeLessThanOrEqual(before[1]! - 1000);
    } finally {
      await gateway.close();
    }
  });

  test('when an entry of L1 is read continuously, then it still expires after CACHE_L1_TTL_MS', async () => {
    const solo = await startServerOn(t.db, { CACHE_L1_TTL_MS: '1000' });
    try {
      const created = await solo.request('POST', '/data', { body: { user_id: 'ttl-3', payload: {} } });
      const seen: string[] = [];
      const until = Date.now() + 1600;
      while (Date.now() < until) {
        seen.push((await solo.request('GET', `/data/${created.body.id}`)).headers.get('x-cache')!);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen[0]).toBe('hit-l1');
      expect(seen).toContain('miss');
    } finally {
      await solo.close();
    }
  });
});
