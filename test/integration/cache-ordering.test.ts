/**
 * The order the cache keeps, driven step by step: two RecordCache instances (as two servers
 * have) on one real Redis, and the interleavings that HTTP races produce only now and then made
 * to happen every time: a write that committed first but reaches the cache last, a write that
 * reaches it after the delete that followed it, a reader whose database load is overtaken by a
 * delete, and L1 forgetting what it knew in between; and the same against an erase of the user
 * (DELETE /data?user_id=). docs/caching.md ("Writes ordered by version", "Erasing a user").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { RecordCache, type CacheOptions } from '../../src/cache/record-cache.js';
import type { RecordEntry } from '../../src/domain/record-cache.js';
import { recordIdOf, type RecordId } from '../../src/domain/record-id.js';
import { createRedisGateway } from '../../src/redis/ioredis-gateway.js';
import { NO_REDIS, type RedisGateway } from '../../src/redis/redis-gateway.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test-order-${randomBytes(4).toString('hex')}:`;

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

const gateways: RedisGateway[] = [];
async function instance(options: Partial<CacheOptions> = {}): Promise<RecordCache> {
  const redis = createRedisGateway({
    url: REDIS_URL,
    keyPrefix: PREFIX,
    commandTimeoutMs: 2000,
    breakerThreshold: 5,
    breakerCooldownMs: 100,
  });
  gateways.push(redis);
  await redis.waitUntilReady(undefined, 2000);
  const cache = new RecordCache(redis, { ...OPTIONS, ...options });
  await cache.start();
  // The subscription is confirmed a moment after start(); until then L1 neither answers nor fills.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return cache;
}

afterAll(async () => {
  await gateways[0]?.run(async (c) => {
    const keys = (await c.keys(`${PREFIX}*`)) as string[];
    if (keys.length > 0) await c.del(...keys);
  });
  await Promise.all(gateways.map((g) => g.close()));
});

const newId = (): RecordId => recordIdOf(randomUUID());
const entry = (version: number): RecordEntry => ({
  version,
  userId: 'u1',
  bytes: Buffer.from(JSON.stringify({ version })),
});
const noLoad = async (): Promise<RecordEntry | null> => {
  throw new Error('the cache should have answered');
};
/** Lets announcements already published reach the other instance. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function versionIn(cache: RecordCache, id: RecordId, load = noLoad): Promise<number | null> {
  const { entry: e } = await cache.getRecord(id, load);
  return e ? e.version : null;
}

describe('two instances on one Redis', () => {
  let a: RecordCache;
  let b: RecordCache;
  beforeAll(async () => {
    a = await instance();
    b = await instance();
  });

  test('when the write of version 12 reaches the cache after that of version 13, then both instances keep 13', async () => {
    for (const lateOn of ['same instance', 'other instance'] as const) {
      const id = newId();
      const late = lateOn === 'same instance' ? b : a;
      const sinceLate = late.mark();
      const sinceB = b.mark();
      await b.written(sinceB, [{ id, entry: entry(13) }], ['u1']);
      await late.written(sinceLate, [{ id, entry: entry(12) }], ['u1']);
      await settle();
      for (const c of [a, b, a, b])
        expect({ lateOn, version: await versionIn(c, id) }).toEqual({ lateOn, version: 13 });
    }
  });

  test('when a write of the version a delete removed reaches the cache after the delete, then the record stays deleted', async () => {
    for (const lateOn of ['same instance', 'other instance'] as const) {
      const id = newId();
      const late = lateOn === 'same instance' ? b : a;
      // Both hold version 11 first, in both levels.
      await a.written(a.mark(), [{ id, entry: entry(11) }], ['u1']);
      expect(await versionIn(b, id)).toBe(11);
      const sinceLate = late.mark();
      await b.written(b.mark(), [{ id, deletedVersion: 12 }], ['u1']);
      await late.written(sinceLate, [{ id, entry: entry(12) }], ['u1']);
      await settle();
      for (const c of [a, b, a, b])
        expect({ lateOn, version: await versionIn(c, id) }).toEqual({ lateOn, version: null });
    }
  });

  test('when a reader loads the record and a delete commits before its fill, then the fill is refused in both levels', async () => {
    const id = newId();
    let release!: (e: RecordEntry) => void;
    const slowLoad = () => new Promise<RecordEntry>((resolve) => (release = resolve));
    const reading = a.getRecord(id, slowLoad);
    await settle();
    await b.written(b.mark(), [{ id, deletedVersion: 4 }], ['u1']);
    await settle();
    release(entry(4)); // what the database said before the delete
    expect((await reading).entry?.version).toBe(4);
    for (const c of [a, b, a]) expect(await versionIn(c, id)).toBeNull();
    // A fresh instance reads L2 alone: the tombstone, not the late fill.
    expect(await versionIn(await instance(), id)).toBeNull();
  });

  test('when a reader loads an older version while another instance writes a newer one, then the older fill is refused', async () => {
    const id = newId();
    let release!: (e: RecordEntry) => void;
    const reading = a.getRecord(id, () => new Promise<RecordEntry>((resolve) => (release = resolve)));
    await settle();
    await b.written(b.mark(), [{ id, entry: entry(3) }], ['u1']);
    await settle();
    release(entry(2)); // what the database said before the write
    expect((await reading).entry?.version).toBe(2);
    for (const c of [a, a, b, b]) expect(await versionIn(c, id)).toBe(3);
  });
});

describe('an erase of the user, on two instances', () => {
  let a: RecordCache;
  let b: RecordCache;
  beforeAll(async () => {
    a = await instance();
    b = await instance();
  });
  const gone = async (): Promise<RecordEntry | null> => null;
  const user = (n: number) => `eraser-${n}-${randomBytes(3).toString('hex')}`;
  const entryOf = (version: number, userId: string): RecordEntry => ({ ...entry(version), userId });

  test('when a reader loads a record that L2 does not hold and an erase deletes it before the fill, then no level keeps it', async () => {
    const owner = user(1);
    const id = newId();
    let release!: (e: RecordEntry) => void;
    const reading = a.getRecord(id, () => new Promise<RecordEntry>((resolve) => (release = resolve)));
    await settle();
    await b.eraseStarting(owner);
    await b.erased(owner, [{ id, deletedVersion: 1 }]);
    await settle();
    release(entryOf(1, owner)); // what the database said before the erase
    expect((await reading).entry?.version).toBe(1);
    // L2 held nothing to put a deletion over: the quiet key refused the late bytes.
    for (const c of [a, b, a]) expect(await versionIn(c, id, gone)).toBeNull();
    expect(await versionIn(await instance(), id, gone)).toBeNull();
  });

  test('when a write committed before the erase reaches the cache after it, then its record is not kept, with or without a copy in L2', async () => {
    for (const heldBefore of [true, false]) {
      const owner = user(2);
      const id = newId();
      if (heldBefore) await a.written(a.mark(), [{ id, entry: entryOf(1, owner) }], [owner]);
      const sinceLate = a.mark();
      await b.eraseStarting(owner);
      await b.erased(owner, [{ id, deletedVersion: 2 }]);
      await a.written(sinceLate, [{ id, entry: entryOf(2, owner) }], [owner]);
      await settle();
      for (const c of [a, b, a, b])
        expect({ heldBefore, version: await versionIn(c, id, gone) }).toEqual({ heldBefore, version: null });
      expect({ heldBefore, version: await versionIn(await instance(), id, gone) }).toEqual({
        heldBefore,
        version: null,
      });
    }
  });

  test('when one instance erases a user, then the other drops every record of the user its L1 holds, and only those', async () => {
    const owner = user(3);
    const mine = [newId(), newId(), newId()];
    const other = newId();
    for (const id of mine) await b.written(b.mark(), [{ id, entry: entryOf(1, owner) }], [owner]);
    await b.written(b.mark(), [{ id: other, entry: entryOf(1, 'someone-else') }], ['someone-else']);
    for (const id of [...mine, other]) expect((await a.getRecord(id, noLoad)).entry?.version).toBe(1);
    expect((await a.getRecord(other, noLoad)).source).toBe('hit-l1');
    await b.erased(owner, [{ id: mine[0]!, deletedVersion: 1 }]);
    await settle();
    // Not held in L1 any more: L2 says (a deletion for the first, the bytes of the others until their batch).
    expect((await a.getRecord(mine[0]!, gone)).entry).toBeNull();
    expect((await a.getRecord(mine[1]!, noLoad)).source).toBe('hit-l2');
    expect((await a.getRecord(other, noLoad)).source).toBe('hit-l1');
  });
});

describe('announcements of the previous release', () => {
  test('when an instance of the previous release announces a change (ids only, maybe in upper case), then L1 drops the record and reads it again', async () => {
    const cache = await instance();
    const id = newId();
    await cache.written(cache.mark(), [{ id, entry: entry(1) }], ['u1']);
    expect((await cache.getRecord(id, noLoad)).source).toBe('hit-l1');
    // The previous release sent the raw path text of the request as the id, and no ranks.
    await gateways[0]!.run((c) =>
      c.publish(
        `${PREFIX}invalidate`,
        JSON.stringify({ i: 'old-release', r: [id.toUpperCase()], u: ['u1'] }),
      ),
    );
    await settle();
    const again = await cache.getRecord(id, noLoad);
    expect([again.source, again.entry?.version]).toEqual(['hit-l2', 1]);
  });
});

describe('one instance without Redis', () => {
  test('when L1 forgets the newer version before the late write arrives, then the late write is not kept', async () => {
    // An L1 of 64 KiB: a few hundred small entries push everything older out.
    const alone = new RecordCache(NO_REDIS, { ...OPTIONS, l1MaxBytes: 65_536, entryMaxBytes: 4096 });
    await alone.start();
    const id = newId();
    const sinceLate = alone.mark();
    await alone.written(alone.mark(), [{ id, entry: entry(13) }], ['u1']);
    for (let i = 0; i < 2000; i++)
      await alone.written(alone.mark(), [{ id: newId(), entry: entry(1) }], ['u1']);
    await alone.written(sinceLate, [{ id, entry: entry(12) }], ['u1']);
    let loads = 0;
    const fromDb = async () => (loads++, entry(13));
    expect(await versionIn(alone, id, fromDb)).toBe(13);
    expect(loads).toBe(1);
    expect(alone.stats.l1Bytes).toBeLessThanOrEqual(65_536);
  });

  test('when two local writes reach L1 out of order, then the newer stays and is served from L1', async () => {
    const alone = new RecordCache(NO_REDIS, OPTIONS);
    const id = newId();
    const first = alone.mark();
    const second = alone.mark();
    await alone.written(second, [{ id, entry: entry(5) }], ['u1']);
    await alone.written(first, [{ id, entry: entry(4) }], ['u1']);
    const got = await alone.getRecord(id, noLoad);
    expect([got.entry?.version, got.source]).toEqual([5, 'hit-l1']);
  });
});
