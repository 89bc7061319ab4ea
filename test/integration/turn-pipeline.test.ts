/**
 * The turn pipeline (src/redis/turn-pipeline.ts) and what rides in it, against real Redis
 * servers started here (so the commands Redis counts are only this test's): one pipeline per
 * turn of the event loop, each job with its own replies, a job's failure its own, and every job
 * falling back when the pipeline has no answer; the rate-limit checks of a turn in one script
 * call, in order, each subject on its own budget; a cache write whose commands fail in a shared
 * pipeline remembered for replay while the others of the pipeline land.
 */
import { randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import { recordKey } from '../../src/cache/cache-keys.js';
import { RecordCache } from '../../src/cache/record-cache.js';
import type { RecordEntry } from '../../src/domain/record-cache.js';
import { recordIdOf, type RecordId } from '../../src/domain/record-id.js';
import { createEventPublisher } from '../../src/events/change-events.js';
import {
  FallbackRateLimiter,
  MemoryRateLimiter,
  RedisRateLimiter,
} from '../../src/ratelimit/rate-limiter.js';
import { MAX_CHECKS_PER_CALL } from '../../src/ratelimit/redis-rate-limiter.js';
import { createRedisGateway, type RedisGatewayOptions } from '../../src/redis/ioredis-gateway.js';
import type { RedisGateway } from '../../src/redis/redis-gateway.js';
import { MAX_JOBS, TurnPipeline } from '../../src/redis/turn-pipeline.js';
import {
  freePort,
  redisCommand,
  startRedis,
  startRedisCluster,
  type TestRedis,
  type TestRedisCluster,
  until,
} from '../helpers/redis-servers.js';

const gateways: RedisGateway[] = [];
function gateway(options: Partial<RedisGatewayOptions>): RedisGateway {
  const g = createRedisGateway({
    commandTimeoutMs: 2000,
    breakerThreshold: 5,
    breakerCooldownMs: 100,
    keyPrefix: 'tp:',
    ...options,
  });
  gateways.push(g);
  return g;
}

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
});

/** Calls of each command Redis has run (INFO commandstats), scripts' inner commands included. */
async function calls(port: number): Promise<Record<string, number>> {
  const info = await redisCommand(port, 'INFO commandstats');
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) out[m[1] as string] = Number(m[2]);
  return out;
}
const scriptCalls = (c: Record<string, number>) => (c.evalsha ?? 0) + (c.eval ?? 0);

describe('one pipeline per turn, on one Redis', () => {
  let server: TestRedis;
  let g: RedisGateway;
  beforeAll(async () => {
    server = await startRedis();
    g = gateway({ url: server.url });
    await until('gateway ready', () => g.available);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('when jobs are submitted in one turn, then they go in one pipeline and each gets its own replies in order', async () => {
    const pipeline = TurnPipeline.of(g);
    const before = pipeline.sent;
    const [a, b, c] = await Promise.all([
      pipeline.submit((p) => p.set('tp:a', '1').incr('tp:a')),
      pipeline.submit((p) => p.get('tp:a')),
      pipeline.submit((p) => p.set('tp:c', 'x').get('tp:c').del('tp:c')),
    ]);
    expect(pipeline.sent - before).toBe(1);
    expect(a).toEqual([
      [null, 'OK'],
      [null, 2],
    ]);
    // Submitted after a, so run after it: it sees a's increment.
    expect(b).toEqual([[null, '2']]);
    expect(c).toEqual([
      [null, 'OK'],
      [null, 'x'],
      [null, 1],
    ]);
  });

  test('when more jobs than one pipeline takes are submitted in one turn, then they go in pipelines one after the other, in order', async () => {
    const pipeline = TurnPipeline.of(g);
    const before = pipeline.sent;
    const n = MAX_JOBS * 2 + 3;
    const replies = await Promise.all(
      Array.from({ length: n }, () => pipeline.submit((p) => p.incr('tp:many'))),
    );
    expect(pipeline.sent - before).toBe(3);
    expect(replies.map((r) => r?.[0]?.[1])).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  test('when one job`s command fails, then only that job sees the error', async () => {
    const pipeline = TurnPipeline.of(g);
    await pipeline.submit((p) => p.hset('tp:hash', 'f', 'v'));
    const [bad, good] = await Promise.all([
      pipeline.submit((p) => p.incr('tp:hash')),
      pipeline.submit((p) => p.incr('tp:counter')),
    ]);
    expect(bad?.[0]?.[0]).toBeInstanceOf(Error);
    expect(String(bad?.[0]?.[0])).toMatch(/WRONGTYPE/);
    expect(good).toEqual([[null, 1]]);
  });

  test('when a job throws while adding its commands, then it alone gets undefined', async () => {
    const pipeline = TurnPipeline.of(g);
    const [thrown, fine] = await Promise.all([
      pipeline.submit((p) => {
        p.set('tp:half', '1');
        throw new Error('a bug in a job');
      }),
      pipeline.submit((p) => p.get('tp:half')),
    ]);
    expect(thrown).toBeUndefined();
    expect(fine).toEqual([[null, '1']]);
  });

  test('when a job is submitted while the pipeline is being built, then it goes in the next one, after it', async () => {
    const pipeline = TurnPipeline.of(g);
    const before = pipeline.sent;
    let later: Promise<unknown> | undefined;
    const first = await pipeline.submit((p) => {
      later = pipeline.submit((q) => q.get('tp:order'));
      p.set('tp:order', 'first');
    });
    expect(first).toEqual([[null, 'OK']]);
    expect(await later).toEqual([[null, 'first']]);
    expect(pipeline.sent - before).toBe(2);
  });

  test('when Redis has no answer, then every job of the turn gets undefined at once', async () => {
    const down = gateway({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 50 });
    const pipeline = TurnPipeline.of(down);
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 20 }, () => pipeline.submit((p) => p.get('x'))));
    expect(replies.every((r) => r === undefined)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('when rate-limit checks of many subjects and budgets arrive in one turn, then one script call decides them all', async () => {
    const reads = new RedisRateLimiter(g, { readLimit: 3 });
    const auth = new RedisRateLimiter(g, { authLimit: 2 });
    const before = await calls(server.port);
    const subjects = Array.from({ length: 40 }, (_, i) => `sub:many-${i}`);
    const decisions = await Promise.all([
      ...subjects.map((s) => reads.check(s, 'read')),
      ...subjects.map((s) => auth.check(`ip:${s}`, 'auth', { dryRun: true })),
    ]);
    const after = await calls(server.port);
    expect(scriptCalls(after) - scriptCalls(before)).toBe(1);
    expect(decisions.every((d) => d?.allowed)).toBe(true);
    expect(decisions.slice(0, 40).every((d) => d?.remaining === 2 && d.policy === 'read')).toBe(true);
    expect(decisions.slice(40).every((d) => d?.remaining === 1 && d.policy === 'auth')).toBe(true);
  });

  test('when more checks than one call takes arrive in one turn, then they are split into calls of one pipeline, still exact', async () => {
    const limiter = new RedisRateLimiter(g, { writeLimit: 100 });
    const pipeline = TurnPipeline.of(g);
    const sent = pipeline.sent;
    const before = await calls(server.port);
    const n = MAX_CHECKS_PER_CALL * 2 + 10;
    const decisions = await Promise.all(Array.from({ length: n }, () => limiter.check('sub:split', 'write')));
    const after = await calls(server.port);
    expect(scriptCalls(after) - scriptCalls(before)).toBe(3);
    expect(pipeline.sent - sent).toBe(1);
    expect(decisions.filter((d) => d?.allowed)).toHaveLength(100);
    // In the order asked: the first 100 pass, counting down.
    expect(decisions.slice(0, 100).map((d) => d?.remaining)).toEqual(
      Array.from({ length: 100 }, (_, i) => 99 - i),
    );
    expect(decisions.slice(100).every((d) => d?.allowed === false)).toBe(true);
  });

  test('when checks of several subjects interleave in one turn, then each gets the answer of its own budget, in order', async () => {
    const limiter = new RedisRateLimiter(g, { readLimit: 3, writeLimit: 2 });
    const asked: [string, 'read' | 'write'][] = [];
    for (let i = 0; i < 5; i++) asked.push(['sub:x', 'read'], ['sub:y', 'read'], ['sub:x', 'write']);
    const decisions = await Promise.all(asked.map(([s, k]) => limiter.check(s, k)));
    const of = (s: string, k: string) =>
      decisions
        .filter((_, i) => asked[i]?.[0] === s && asked[i]?.[1] === k)
        .map((d) => [d?.allowed, d?.remaining]);
    const read = [
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ];
    expect(of('sub:x', 'read')).toEqual(read);
    expect(of('sub:y', 'read')).toEqual(read);
    expect(of('sub:x', 'write')).toEqual([
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
      [false, 0],
    ]);
  });

  test('when Redis refuses one subject`s key, then that check alone falls back to the in-process limiter', async () => {
    const limiter = new RedisRateLimiter(g, { readLimit: 5 });
    await TurnPipeline.of(g).submit((p) => p.hset(limiter.key('sub:broken', 'read'), 'f', 'v'));
    let fallbacks = 0;
    const fallback = new FallbackRateLimiter(limiter, new MemoryRateLimiter({ readLimit: 5 }), {
      onFallback: () => fallbacks++,
    });
    const before = await calls(server.port);
    const [broken, fine] = await Promise.all([
      fallback.check('sub:broken', 'read'),
      fallback.check('sub:fine', 'read'),
    ]);
    expect(scriptCalls(await calls(server.port)) - scriptCalls(before)).toBe(1);
    expect(fallbacks).toBe(1);
    expect(broken).toMatchObject({ allowed: true, remaining: 4 });
    expect(fine).toMatchObject({ allowed: true, remaining: 4 });
    // The other subject's budget was spent in Redis, the broken one's only in memory.
    expect(await redisCommand(server.port, `EXISTS ${limiter.key('sub:fine', 'read')}`)).toBe(':1');
    expect(await redisCommand(server.port, `TYPE ${limiter.key('sub:broken', 'read')}`)).toBe('+hash');
  });

  test('when the script call has no answer, then every check of the batch falls back to memory, one fallback each', async () => {
    const down = gateway({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 50 });
    let fallbacks = 0;
    const limiter = new FallbackRateLimiter(
      new RedisRateLimiter(down, { readLimit: 10 }),
      new MemoryRateLimiter({ readLimit: 10 }),
      { onFallback: () => fallbacks++ },
    );
    const decisions = await Promise.all(Array.from({ length: 15 }, () => limiter.check('sub:down', 'read')));
    expect(fallbacks).toBe(15);
    expect(decisions.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0]);
  });

  test('when a check has a gate that refuses, then it spends nothing and answers the gate`s refusal, both in one script call', async () => {
    const limiter = new RedisRateLimiter(g, { readLimit: 10, authLimit: 2 });
    const address = 'ip:gate-1';
    const gate = { subject: address, kind: 'auth' as const, dryRun: true };
    const open = await limiter.check('sub:gated', 'read', { gate });
    expect(open).toMatchObject({ allowed: true, remaining: 9, policy: 'read' });
    expect(open?.gated).toBeUndefined();
    // The dry run spent nothing: the address still has its two failures.
    await Promise.all([limiter.check(address, 'auth'), limiter.check(address, 'auth')]);
    const tat = await redisCommand(server.port, `GET ${limiter.key('sub:gated', 'read')}`);
    const before = await calls(server.port);
    const refused = await Promise.all([
      limiter.check('sub:gated', 'read', { gate }),
      limiter.check('sub:gated', 'read', { gate }),
    ]);
    expect(scriptCalls(await calls(server.port)) - scriptCalls(before)).toBe(1);
    for (const d of refused)
      expect(d).toMatchObject({ allowed: false, gated: true, policy: 'auth', remaining: 0 });
    expect(await redisCommand(server.port, `GET ${limiter.key('sub:gated', 'read')}`)).toBe(tat);
    // The request's own budget is whole but for the one request the gate let through.
    expect(await limiter.check('sub:gated', 'read')).toMatchObject({ allowed: true, remaining: 8 });
  });

  test('when the gate`s key is refused by Redis, then the gated check falls back with it', async () => {
    const limiter = new RedisRateLimiter(g, { readLimit: 10, authLimit: 2 });
    await TurnPipeline.of(g).submit((p) => p.hset(limiter.key('ip:gate-broken', 'auth'), 'f', 'v'));
    const gate = { subject: 'ip:gate-broken', kind: 'auth' as const, dryRun: true };
    expect(await limiter.check('sub:gate-broken', 'read', { gate })).toBeUndefined();
    expect(await redisCommand(server.port, `EXISTS ${limiter.key('sub:gate-broken', 'read')}`)).toBe(':0');
  });

  test('when a single change event is published in a turn with other commands, then it is one XADD of that pipeline', async () => {
    let failed = 0;
    const publisher = createEventPublisher(g, { onFailed: (n) => (failed += n) });
    const pipeline = TurnPipeline.of(g);
    const sent = pipeline.sent;
    const event = (i: number) => ({
      type: 'data.created' as const,
      id: randomUUID(),
      user_id: `u${i}`,
      version: 1,
      time: new Date().toISOString(),
    });
    await Promise.all([
      publisher.publish([event(1)]),
      publisher.publish([event(2)]),
      pipeline.submit((p) => p.ping()),
    ]);
    expect(pipeline.sent - sent).toBe(1);
    expect(failed).toBe(0);
    expect(await redisCommand(server.port, 'XLEN tp:{events}:data')).toBe(':2');
  });
});

describe('a cache write whose commands fail in a shared pipeline', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const OPTIONS = {
    enabled: true,
    l1MaxEntries: 1000,
    l1MaxBytes: 1 << 20,
    l1TtlMs: 60_000,
    entryMaxBytes: 1 << 16,
    l2MaxBytes: 1 << 24,
    l2TtlSeconds: 300,
    tombstoneTtlSeconds: 60,
  };
  async function cacheOn(g: RedisGateway): Promise<RecordCache> {
    await until('gateway ready', () => g.available);
    const cache = new RecordCache(g, OPTIONS);
    await cache.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    return cache;
  }
  const entry = (version: number, userId: string): RecordEntry => ({
    version,
    userId,
    bytes: Buffer.from(JSON.stringify({ version, userId })),
  });
  const newId = (): RecordId => recordIdOf(randomUUID());

  test('when one write of a pipeline fails in Redis, then it alone is replayed, L2 is read around until then, and the others landed', async () => {
    const ga = gateway({ url: server.url });
    const a = await cacheOn(ga);
    const b = await cacheOn(gateway({ url: server.url }));
    const [broken, fine, other] = [newId(), newId(), newId()];
    // Redis will refuse the write-through of `broken`: its key holds a hash.
    const brokenKey = `tp:${recordKey(broken)}`;
    expect(await redisCommand(server.port, `HSET ${brokenKey} f v`)).toBe(':1');
    // `other` is in L2, written by b.
    await b.written(b.mark(), [{ id: other, entry: entry(1, 'u3') }], ['u3']);

    const pipeline = TurnPipeline.of(ga);
    const sent = pipeline.sent;
    await Promise.all([
      a.written(a.mark(), [{ id: broken, entry: entry(2, 'u1') }], ['u1']),
      a.written(a.mark(), [{ id: fine, entry: entry(1, 'u2') }], ['u2']),
    ]);
    expect(pipeline.sent - sent).toBe(1);
    // The write that did not fail is in L2 for everyone.
    const c = await cacheOn(gateway({ url: server.url }));
    const noLoad = async () => {
      throw new Error('should be answered from L2');
    };
    expect(await c.getRecord(fine, noLoad)).toMatchObject({ source: 'hit-l2', entry: { version: 1 } });
    // a reads around L2 while its failed invalidation waits: `other` comes from the database.
    let loads = 0;
    const load = async () => {
      loads++;
      return entry(1, 'u3');
    };
    expect((await a.getRecord(other, load)).source).toBe('miss');
    expect(loads).toBe(1);

    // Once Redis takes the replay, a uses L2 again, and the broken key holds the rank written.
    expect(await redisCommand(server.port, `DEL ${brokenKey}`)).toBe(':1');
    const again = await a.getRecord(newId(), async () => null);
    expect(again.source).toBe('miss');
    const third = newId();
    await b.written(b.mark(), [{ id: third, entry: entry(1, 'u4') }], ['u4']);
    expect(await a.getRecord(third, noLoad)).toMatchObject({ source: 'hit-l2', entry: { version: 1 } });
    expect(await redisCommand(server.port, `GET ${brokenKey}`)).toBe('4\n');
  });
});

describe('on a 3-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('when jobs on keys of different masters are submitted in one turn, then each runs as a pipeline of its own and is answered', async () => {
    const g = gateway({ clusterNodes: cluster.nodes });
    await until('cluster gateway ready', () => g.available);
    expect(g.cluster).toBe(true);
    const pipeline = TurnPipeline.of(g);
    const sent = pipeline.sent;
    const keys = Array.from({ length: 12 }, (_, i) => `tp:{k${i}}:n`);
    const replies = await Promise.all(
      keys.map((k) => pipeline.submit((p: ChainableCommander) => p.incr(k).incr(k))),
    );
    expect(pipeline.sent - sent).toBe(12);
    expect(replies).toEqual(
      keys.map(() => [
        [null, 1],
        [null, 2],
      ]),
    );
  });

  test('when a gate is on another slot, then it is asked first and a refusal spends nothing', async () => {
    const g = gateway({ clusterNodes: cluster.nodes });
    await until('cluster gateway ready', () => g.available);
    const limiter = new RedisRateLimiter(g, { readLimit: 5, authLimit: 1 });
    const gate = { subject: 'ip:cluster-gate', kind: 'auth' as const, dryRun: true };
    expect(await limiter.check('sub:cluster-gated', 'read', { gate })).toMatchObject({
      allowed: true,
      remaining: 4,
    });
    await limiter.check('ip:cluster-gate', 'auth');
    expect(await limiter.check('sub:cluster-gated', 'read', { gate })).toMatchObject({
      gated: true,
      policy: 'auth',
    });
    expect(await limiter.check('sub:cluster-gated', 'read')).toMatchObject({ allowed: true, remaining: 3 });
  });

  test('when checks of subjects on different slots arrive in one turn, then each subject is one call and its budget is exact', async () => {
    const g = gateway({ clusterNodes: cluster.nodes });
    await until('cluster gateway ready', () => g.available);
    const limiter = new RedisRateLimiter(g, { readLimit: 3 });
    const pipeline = TurnPipeline.of(g);
    const sent = pipeline.sent;
    const subjects = Array.from({ length: 10 }, (_, i) => `sub:slot-${i}`);
    const decisions = await Promise.all(
      subjects.flatMap((s) => Array.from({ length: 5 }, () => limiter.check(s, 'read'))),
    );
    expect(pipeline.sent - sent).toBe(10);
    for (let i = 0; i < subjects.length; i++) {
      expect(decisions.slice(i * 5, i * 5 + 5).map((d) => d?.remaining)).toEqual([2, 1, 0, 0, 0]);
    }
  });
});
