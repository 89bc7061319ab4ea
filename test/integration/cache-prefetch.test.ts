/**
 * A record's L2 read started early (RecordCache.prefetchRecord, sent with the request's
 * rate-limit check) keeps every rule of docs/caching.md: it is taken only when L2 may be read and
 * L1 will not answer, used only by the getRecord of the id it was taken for, not used once a
 * failed invalidation makes L2 untrusted, and what it read never puts an older version into L1
 * over a newer one. Two RecordCache instances (two servers) on one real Redis of this test's own.
 */
import { randomUUID } from 'node:crypto';
import { recordKey } from '../../src/cache/cache-keys.js';
import { RecordCache, type CacheOptions } from '../../src/cache/record-cache.js';
import type { RecordEntry } from '../../src/domain/record-cache.js';
import { recordIdOf, type RecordId } from '../../src/domain/record-id.js';
import { createRedisGateway } from '../../src/redis/ioredis-gateway.js';
import type { RedisGateway } from '../../src/redis/redis-gateway.js';
import { redisCommand, startRedis, type TestRedis, until } from '../helpers/redis-servers.js';

const OPTIONS: CacheOptions = {
  enabled: true,
  l1MaxEntries: 10_000,
  l1MaxBytes: 1 << 20,
  l1TtlMs: 60_000,
  entryMaxBytes: 1 << 16,
  l2MaxBytes: 1 << 24,
  l2TtlSeconds: 300,
  tombstoneTtlSeconds: 60,
};

let server: TestRedis;
const gateways: RedisGateway[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await server?.stop();
});

async function instance(): Promise<RecordCache> {
  const redis = createRedisGateway({
    url: server.url,
    keyPrefix: 'pf:',
    commandTimeoutMs: 2000,
    breakerThreshold: 5,
    breakerCooldownMs: 100,
  });
  gateways.push(redis);
  await until('gateway ready', () => redis.available);
  const cache = new RecordCache(redis, OPTIONS);
  await cache.start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return cache;
}

const newId = (): RecordId => recordIdOf(randomUUID());
const entry = (version: number): RecordEntry => ({
  version,
  userId: 'u1',
  bytes: Buffer.from(JSON.stringify({ version })),
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const noLoad = async (): Promise<RecordEntry | null> => {
  throw new Error('the cache should have answered');
};

describe('a record read from L2 before its request reaches the cache', () => {
  let a: RecordCache;
  let b: RecordCache;
  beforeAll(async () => {
    a = await instance();
    b = await instance();
  });

  test('when a newer version is written between the early read and its use, then the request may answer what it read, and the next read answers the newer', async () => {
    const id = newId();
    await b.written(b.mark(), [{ id, entry: entry(1) }], ['u1']);
    const early = a.prefetchRecord(id);
    expect(early).toBeDefined();
    await settle(); // the early read has its answer: version 1
    await b.written(b.mark(), [{ id, entry: entry(2) }], ['u1']);
    await settle(); // and a has heard of version 2
    // The request began before version 2 was acknowledged: version 1 is a right answer for it.
    expect(await a.getRecord(id, noLoad, early)).toMatchObject({ source: 'hit-l2', entry: { version: 1 } });
    for (let i = 0; i < 3; i++) expect((await a.getRecord(id, noLoad)).entry?.version).toBe(2);
  });

  test('when this instance writes a newer version between the early read and its use, then the next read answers the newer', async () => {
    const id = newId();
    await b.written(b.mark(), [{ id, entry: entry(1) }], ['u1']);
    const early = a.prefetchRecord(id);
    await settle();
    await a.written(a.mark(), [{ id, entry: entry(2) }], ['u1']);
    expect((await a.getRecord(id, noLoad, early)).entry?.version).toBe(1);
    for (let i = 0; i < 3; i++) expect((await a.getRecord(id, noLoad)).entry?.version).toBe(2);
  });

  test('when this instance writes a record while a load of it is in flight here, then the load`s older state does not stay in L1', async () => {
    // Found while building the early read, and true of every load: a write of this process to a
    // record L1 did not hold kept no rank, so the load in flight put the version it replaced.
    const id = newId();
    let release!: (e: RecordEntry) => void;
    const reading = a.getRecord(id, () => new Promise<RecordEntry>((resolve) => (release = resolve)));
    await settle();
    await a.written(a.mark(), [{ id, entry: entry(5) }], ['u1']);
    release(entry(4)); // what the database said before the write
    expect((await reading).entry?.version).toBe(4);
    for (let i = 0; i < 3; i++) expect((await a.getRecord(id, noLoad)).entry?.version).toBe(5);
  });

  test('when L1 holds the record, then nothing is read early', async () => {
    const id = newId();
    await b.written(b.mark(), [{ id, entry: entry(1) }], ['u1']);
    expect((await a.getRecord(id, noLoad)).source).toBe('hit-l2');
    expect(a.prefetchRecord(id)).toBeUndefined();
  });

  test('when an early read is handed to the getRecord of another id, then it is not used', async () => {
    const [x, y] = [newId(), newId()];
    await b.written(b.mark(), [{ id: x, entry: entry(3) }], ['u1']);
    const early = a.prefetchRecord(x);
    let loads = 0;
    const got = await a.getRecord(
      y,
      async () => {
        loads++;
        return null;
      },
      early,
    );
    expect([got.entry, got.source, loads]).toEqual([null, 'miss', 1]);
  });

  test('when an invalidation of this instance fails after the early read, then it is not used: L2 is read around until the replay', async () => {
    const [x, broken] = [newId(), newId()];
    await b.written(b.mark(), [{ id: x, entry: entry(1) }], ['u1']);
    const early = a.prefetchRecord(x);
    await settle();
    const brokenKey = `pf:${recordKey(broken)}`;
    expect(await redisCommand(server.port, `HSET ${brokenKey} f v`)).toBe(':1');
    await a.written(a.mark(), [{ id: broken, entry: entry(2) }], ['u2']);
    let loads = 0;
    const got = await a.getRecord(
      x,
      async () => {
        loads++;
        return entry(1);
      },
      early,
    );
    expect([got.source, loads]).toEqual(['miss', 1]);
    // While the replay waits, nothing is read early either.
    expect(a.prefetchRecord(newId())).toBeUndefined();
    expect(await redisCommand(server.port, `DEL ${brokenKey}`)).toBe(':1');
  });
});
