/**
 * How many times Redis is asked per request, counted by a Redis server of this test's own
 * (INFO stats: total_reads_processed counts each batch of commands a connection sends): the
 * rate-limit checks of a request with a verified token, its L2 read, and a write's change event
 * and cache write-through ride in as few round trips as the flow allows (docs/performance.md).
 */
import { SignJWT } from 'jose';
import { redisCommand, startRedis, type TestRedis } from '../helpers/redis-servers.js';
import { startServer, type TestServer } from '../helpers/server.js';

const SECRET = 'round-trips-test-secret-5e1b7a9c3d2f4068';

async function reads(redis: TestRedis): Promise<number> {
  const info = await redisCommand(redis.port, 'INFO stats');
  return Number(/total_reads_processed:(\d+)/.exec(info)?.[1]);
}

describe.each([
  ['L1 in front of L2', {}, 'hit-l1'],
  ['L2 only', { CACHE_L1_MAX_ENTRIES: '1', CACHE_L1_TTL_MS: '1' }, 'hit-l2'],
] as const)('Redis round trips per request, %s', (_name, cacheEnv, source) => {
  let redis: TestRedis;
  let s: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    redis = await startRedis();
    s = await startServer('pglite', {
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: SECRET,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '100000',
      RATE_LIMIT_WRITE_PER_MINUTE: '100000',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'trips:',
      ...cacheEnv,
    });
    const token = await new SignJWT({ scope: 'data:read data:write' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer('data-api')
      .setAudience('data-api')
      .setSubject('tripper')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(SECRET));
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await s?.close();
    await redis?.stop();
  });

  test(`when a record is read ${source === 'hit-l1' ? 'from L1' : 'from L2'} again and again, then each read asks Redis once: its checks and its read together`, async () => {
    // Two records read in turn: with L2 only, L1 (one entry, 1 ms) holds the other one at each
    // read, so no read is served from it however fast they follow each other.
    const paths: string[] = [];
    for (const a of [1, 2]) {
      const created = await s.request('POST', '/data', {
        body: { user_id: 'tripper', payload: { a } },
        headers: auth,
      });
      expect(created.status).toBe(201);
      paths.push(`/data/${created.body.id}`);
    }
    for (const path of paths) await s.request('GET', path, { headers: auth });
    const before = await reads(redis);
    for (let i = 0; i < 20; i++) {
      const res = await s.request('GET', paths[i % 2]!, { headers: auth });
      expect([res.status, res.headers.get('x-cache')]).toEqual([200, source]);
    }
    // Before: twice per read from L1 (the address's failure budget, then the read budget) and three
    // times from L2 (then the read). The slack: the two INFO commands that count, and the note of
    // distinct users that an instance sends once per user and minute.
    expect((await reads(redis)) - before).toBeLessThanOrEqual(24);
  });

  test('when records are created one after the other, then each asks Redis three times: its checks, its event, its cache write', async () => {
    // Before: four times (the address's failure budget and the write budget apart).
    const before = await reads(redis);
    for (let i = 0; i < 20; i++) {
      const res = await s.request('POST', '/data', {
        body: { user_id: 'tripper', payload: { i } },
        headers: auth,
      });
      expect(res.status).toBe(201);
    }
    expect((await reads(redis)) - before).toBeLessThanOrEqual(20 * 3 + 4);
  });
});
