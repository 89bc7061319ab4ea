/**
 * A request whose credentials this process verified before spends no Redis round trip of its own
 * on the failed-authentication budget of its address: the rate limit asks that budget and the
 * request's own in one step. The promises of docs/rate-limiting.md hold all the same: once the
 * address has spent its budget, a good token waits too (429, the auth budget's fields), and a
 * refused request spends nothing of its caller's budget.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { metricValue, startServer, type TestServer } from '../helpers/server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'auth-gate-test-secret-0f3a9c1e7b5d2468ac';

async function jwt(sub: string): Promise<string> {
  return new SignJWT({ scope: 'data:read data:write' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer('data-api')
    .setAudience('data-api')
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(SECRET));
}

describe.each([
  ['with Redis', true],
  ['without Redis', false],
] as const)('the failed-authentication budget of an address, %s', (_name, withRedis) => {
  const prefix = `test-gate-${randomBytes(4).toString('hex')}:`;
  let s: TestServer;
  let redis: Redis | undefined;
  beforeAll(async () => {
    s = await startServer('pglite', {
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: SECRET,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '10',
      AUTH_FAILURES_PER_MINUTE: '3',
      ...(withRedis && { REDIS_URL, REDIS_KEY_PREFIX: prefix }),
    });
    if (withRedis) redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await s.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  test('when a verified token comes from an address that spent its budget, then 429 with the auth fields, and its caller spends nothing', async () => {
    const good = { authorization: `Bearer ${await jwt('gated-user')}` };
    const first = await s.request('GET', '/data?user_id=gated-user', { headers: good });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit')).toMatch(/^"read";r=9;/);
    // The token is now known to the process: its next requests ask both budgets in one step.
    const second = await s.request('GET', '/data?user_id=gated-user', { headers: good });
    expect(second.headers.get('ratelimit')).toMatch(/^"read";r=8;/);
    const readKey = `${prefix}rl:{sub:gated-user}:read`;
    const tat = await redis?.get(readKey);
    for (let i = 0; i < 3; i++) {
      const bad = await s.request('GET', '/data?user_id=gated-user', {
        headers: { authorization: `Bearer not.a.token${i}` },
      });
      expect(bad.status).toBe(401);
    }
    for (let i = 0; i < 3; i++) {
      const refused = await s.request('GET', '/data?user_id=gated-user', { headers: good });
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('DAPI-4291');
      expect(refused.headers.get('ratelimit-policy')).toBe('"auth";q=3;w=60');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(await metricValue(s, 'rate_limited_requests_total{kind="auth"}')).toBe(3);
    expect(await metricValue(s, 'rate_limited_requests_total{kind="read"}')).toBe(0);
    // Nothing of the caller's read budget went to the refused requests.
    if (redis) expect(await redis.get(readKey)).toBe(tat);
  });
});
