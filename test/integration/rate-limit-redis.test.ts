/**
 * The GCRA script against real Redis: the shared server on 127.0.0.1:6379 (keys under a prefix
 * of this run), throwaway servers that die and come back, and a real 3-master cluster.
 */
import { randomBytes } from 'node:crypto';
import { type RedisClient, type RedisGateway } from '../../src/redis/redis-gateway.js';
import { createRedisGateway, type RedisGatewayOptions } from '../../src/redis/ioredis-gateway.js';
import type { RateDecision } from '../../src/domain/rate-limit.js';
import {
  FallbackRateLimiter,
  MemoryRateLimiter,
  RedisRateLimiter,
} from '../../src/ratelimit/rate-limiter.js';
import {
  freePort,
  redisCommand,
  startRedis,
  startRedisCluster,
  type TestRedis,
  type TestRedisCluster,
  until,
} from '../helpers/redis-servers.js';
import { openTestDatabase } from '../helpers/databases.js';
import { startServerOn } from '../helpers/server.js';

const SHARED_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:rl:${randomBytes(6).toString('hex')}:`;
const gateways: RedisGateway[] = [];

function gateway(options: Partial<RedisGatewayOptions> = {}): RedisGateway {
  const g = createRedisGateway({
    url: SHARED_REDIS,
    // Generous: a slow shared CI box must not turn a Redis answer into a fallback here.
    commandTimeoutMs: 2000,
    breakerThreshold: 5,
    breakerCooldownMs: 100,
    keyPrefix: PREFIX,
    ...options,
  });
  gateways.push(g);
  return g;
}

const allowed = (ds: (RateDecision | undefined)[]) => ds.filter((d) => d?.allowed).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  const cleaner = gateway();
  await until('redis', () => cleaner.available).catch(() => undefined);
  await cleaner.run(async (c: RedisClient) => {
    const keys = (await c.keys(`${PREFIX}*`)) as string[];
    if (keys.length > 0) await c.del(...keys);
  });
  await Promise.all(gateways.map((g) => g.close()));
});

describe('RedisRateLimiter on one Redis', () => {
  let a: RedisGateway;
  let b: RedisGateway;
  beforeAll(async () => {
    a = gateway();
    b = gateway();
    await until('both gateways ready', () => a.available && b.available);
  });

  test('when two instances take 150 requests of one subject in an interleaved burst, then exactly 100 are allowed', async () => {
    const one = new RedisRateLimiter(a);
    const two = new RedisRateLimiter(b);
    const subject = `user:${randomBytes(4).toString('hex')}`;
    const decisions = await Promise.all(
      Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? one : two).check(subject, 'read')),
    );
    expect(decisions.every((d) => d !== undefined)).toBe(true);
    expect(allowed(decisions)).toBe(100);
    // Atomic: every allowed request saw a different remaining, 99 down to 0.
    const remaining = decisions.filter((d) => d?.allowed).map((d) => d?.remaining);
    expect(new Set(remaining).size).toBe(100);
    expect(Math.max(...(remaining as number[]))).toBe(99);
    const refused = decisions.filter((d) => d && !d.allowed);
    expect(refused.every((d) => d?.retryAfterSeconds === 1 && d.remaining === 0)).toBe(true);
    expect(refused.every((d) => d?.resetSeconds === 60 && d.policy === 'read')).toBe(true);
  });

  test('when subjects or kinds differ, then their budgets are independent', async () => {
    const limiter = new RedisRateLimiter(a, { readLimit: 10, writeLimit: 4 });
    const run = (subject: string, kind: 'read' | 'write', n: number) =>
      Promise.all(Array.from({ length: n }, () => limiter.check(subject, kind)));
    const tag = randomBytes(4).toString('hex');
    expect(allowed(await run(`user:x${tag}`, 'read', 15))).toBe(10);
    expect(allowed(await run(`user:y${tag}`, 'read', 15))).toBe(10);
    expect(allowed(await run(`user:x${tag}`, 'write', 15))).toBe(4);
    expect(allowed(await run(`ip:127.0.0.1:${tag}`, 'write', 15))).toBe(4);
  });

  test('when a check runs, then the key is hash-tagged and holds a TAT on Redis time with a TTL', async () => {
    const limiter = new RedisRateLimiter(a);
    const subject = `user:t${randomBytes(4).toString('hex')}`;
    await limiter.check(subject, 'write');
    const key = limiter.key(subject, 'write');
    expect(key).toBe(`${PREFIX}rl:{${subject}}:write`);
    const state = await a.run(async (c: RedisClient) => {
      const [tat, pttl, time] = await Promise.all([c.get(key), c.pttl(key), c.time()]);
      return { tat: Number(tat), pttl, now: Number(time[0]) * 1e6 + Number(time[1]) };
    });
    // One request moved the TAT 0.6 s past Redis's now; it expires when it would be rested.
    expect(state?.tat).toBeGreaterThan((state?.now ?? 0) + 500_000);
    expect(state?.tat).toBeLessThanOrEqual((state?.now ?? 0) + 600_000);
    expect(state?.pttl).toBeGreaterThan(0);
    expect(state?.pttl).toBeLessThanOrEqual(600);
  });

  test('when two instances see failed authentications from one address, then they spend one auth budget', async () => {
    const one = new RedisRateLimiter(a, { authLimit: 5 });
    const two = new RedisRateLimiter(b, { authLimit: 5 });
    const address = `ip:10.0.0.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`;
    // Dry runs (the check before credentials are verified) spend nothing.
    const peeks = await Promise.all(
      Array.from({ length: 20 }, () => one.check(address, 'auth', { dryRun: true })),
    );
    expect(allowed(peeks)).toBe(20);
    const spent = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).check(address, 'auth')),
    );
    expect(allowed(spent)).toBe(5);
    expect(await two.check(address, 'auth', { dryRun: true })).toMatchObject({
      allowed: false,
      policy: 'auth',
    });
    // Its own key, beside the read and write budgets of the same subject.
    expect(one.key(address, 'auth')).toBe(`${PREFIX}rl:{${address}}:auth`);
    expect((await one.check(address, 'read'))?.allowed).toBe(true);
  });

  test('when a request costs several units (a bulk create), then the script spends them, at most the burst', async () => {
    const limiter = new RedisRateLimiter(a, { writeLimit: 10 });
    const subject = `sub:bulk${randomBytes(4).toString('hex')}`;
    expect(await limiter.check(subject, 'write', { cost: 8 })).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.check(subject, 'write', { cost: 5 })).toMatchObject({ allowed: false });
    expect(await limiter.check(subject, 'write', { cost: 2 })).toMatchObject({ allowed: true, remaining: 0 });
    const rested = `sub:big${randomBytes(4).toString('hex')}`;
    expect(await limiter.check(rested, 'write', { cost: 1000 })).toMatchObject({
      allowed: true,
      remaining: 0,
    });
  });

  test('when the interval has passed, then the budget refills', async () => {
    const limiter = new RedisRateLimiter(a, { readLimit: 5, windowSeconds: 1 });
    const subject = `user:r${randomBytes(4).toString('hex')}`;
    const first = await Promise.all(Array.from({ length: 8 }, () => limiter.check(subject, 'read')));
    expect(allowed(first)).toBe(5);
    const refused = first.find((d) => d && !d.allowed);
    expect(refused?.retryAfterSeconds).toBe(1);
    await sleep(1000 * (refused?.retryAfterSeconds ?? 1));
    const again = await Promise.all(Array.from({ length: 8 }, () => limiter.check(subject, 'read')));
    expect(allowed(again)).toBe(5);
  });
});

describe('a Redis that vanishes', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('when Redis is unreachable, then FallbackRateLimiter limits in memory and never throws', async () => {
    const closed = gateway({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 50 });
    let fallbacks = 0;
    const limiter = new FallbackRateLimiter(new RedisRateLimiter(closed), new MemoryRateLimiter(), {
      onFallback: () => fallbacks++,
    });
    const started = Date.now();
    const decisions = await Promise.all(
      Array.from({ length: 150 }, () => limiter.check('user:down', 'read')),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(allowed(decisions)).toBe(100);
    expect(fallbacks).toBe(150);
  });

  test('when Redis is killed and restarted, then checks fall back to memory and then return to Redis', async () => {
    const g = gateway({ url: server.url, commandTimeoutMs: 500, breakerThreshold: 2 });
    await until('gateway ready', () => g.available);
    let fallbacks = 0;
    const limiter = new FallbackRateLimiter(
      new RedisRateLimiter(g, { readLimit: 10 }),
      new MemoryRateLimiter({ readLimit: 10 }),
      {
        onFallback: () => fallbacks++,
      },
    );
    expect(allowed(await Promise.all(Array.from({ length: 6 }, () => limiter.check('user:k', 'read'))))).toBe(
      6,
    );
    expect(fallbacks).toBe(0);

    await server.kill();
    const started = Date.now();
    const down = await Promise.all(Array.from({ length: 15 }, () => limiter.check('user:k', 'read')));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(fallbacks).toBe(15);
    expect(allowed(down)).toBe(10); // a fresh per-instance budget: what Redis had counted is not known here

    await server.restart();
    await until('gateway back', async () => (await g.run((c) => c.ping())) === 'PONG');
    const before = fallbacks;
    const back = await Promise.all(Array.from({ length: 15 }, () => limiter.check('user:k', 'read')));
    expect(fallbacks).toBe(before);
    expect(allowed(back)).toBe(10); // the restarted Redis saved nothing: its budget is whole again
  });

  test('when Redis forgets the script (SCRIPT FLUSH), then the next check loads it again', async () => {
    const g = gateway({ url: server.url });
    await until('gateway ready', () => g.available);
    const limiter = new RedisRateLimiter(g, { readLimit: 3 });
    expect((await limiter.check('user:s', 'read'))?.allowed).toBe(true);
    expect(await redisCommand(server.port, 'SCRIPT FLUSH')).toBe('+OK');
    expect((await limiter.check('user:s', 'read'))?.allowed).toBe(true);
    expect((await limiter.check('user:s', 'read'))?.remaining).toBe(0);
  });
});

describe('RedisRateLimiter on a 3-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('when subjects hash to different masters, then each is limited exactly, and two instances share budgets', async () => {
    const one = gateway({ url: undefined, clusterNodes: cluster.nodes });
    const two = gateway({ url: undefined, clusterNodes: cluster.nodes });
    await until('cluster gateways ready', () => one.available && two.available);
    const limiters = [
      new RedisRateLimiter(one, { writeLimit: 5 }),
      new RedisRateLimiter(two, { writeLimit: 5 }),
    ];
    const subjects = Array.from({ length: 30 }, (_, i) => `user:c${i}`);
    const decisions = await Promise.all(
      subjects.flatMap((s) => Array.from({ length: 8 }, (_, i) => limiters[i % 2]?.check(s, 'write'))),
    );
    expect(decisions.every((d) => d !== undefined)).toBe(true);
    expect(allowed(decisions)).toBe(30 * 5);
    for (let i = 0; i < subjects.length; i++) expect(allowed(decisions.slice(i * 8, i * 8 + 8))).toBe(5);

    // The keys really are spread over the masters (one slot per subject, thanks to the hash tag).
    const sizes = await Promise.all(
      cluster.nodes.map(async (n) =>
        Number((await redisCommand(Number(n.split(':')[1]), 'DBSIZE')).slice(1)),
      ),
    );
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(30);
    expect(sizes.filter((s) => s > 0).length).toBeGreaterThanOrEqual(2);
  });
});

describe('two servers over one Redis', () => {
  test('when bad credentials go to two instances in turn, then they spend one budget of the address', async () => {
    const db = await openTestDatabase('pglite');
    const env = {
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: 'two-servers-hs256-7c1e9a4f2b8d6035e1c9',
      AUTH_FAILURES_PER_MINUTE: '4',
      REDIS_URL: SHARED_REDIS,
      REDIS_KEY_PREFIX: `${PREFIX}two:`,
      REDIS_COMMAND_TIMEOUT_MS: '2000',
    };
    const one = await startServerOn(db.db, env);
    const two = await startServerOn(db.db, env);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const s = i % 2 === 0 ? one : two;
        const res = await s.request('GET', '/data?user_id=a', {
          headers: { authorization: `Bearer bad.token.${i}` },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    } finally {
      await one.close();
      await two.close();
      await db.drop();
    }
  });
});
