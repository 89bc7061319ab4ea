/** The rate limit middleware in a tiny Koa app on a real port, with the service's error middleware. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { problemResponses } from '../../src/api/middleware/problem-responses.js';
import { AppError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  kindOf,
  rateLimit,
  rateLimitHeaders,
  subjectOf,
  type RateLimitMiddlewareOptions,
} from '../../src/api/middleware/rate-limit.js';
import type { RateLimiter } from '../../src/domain/rate-limit.js';
import { MemoryRateLimiter } from '../../src/ratelimit/rate-limiter.js';

interface TinyApp {
  url: string;
  handled: () => number;
  close(): Promise<void>;
}

const servers: TinyApp[] = [];

/** GET /ok, POST /ok, GET /not-found (AppError), GET /boom (plain Error), GET /health (skipped). */
async function tinyApp(
  limiter: RateLimiter,
  {
    withProblems = true,
    options = {},
    principal,
  }: {
    withProblems?: boolean;
    options?: Partial<RateLimitMiddlewareOptions>;
    /** What authentication found (none: an anonymous request). */
    principal?: { subject: string; via: string };
  } = {},
): Promise<TinyApp> {
  let handled = 0;
  const koa = new Koa();
  koa.silent = true;
  if (withProblems) koa.use(problemResponses(createLogger('silent')));
  koa.use(async (ctx, next) => {
    ctx.state.principal = principal;
    await next();
  });
  koa.use(rateLimit(limiter, { subjectOf, kindOf, skip: (ctx) => ctx.path === '/health', ...options }));
  koa.use(async (ctx) => {
    handled++;
    if (ctx.path === '/not-found') throw new AppError('recordNotFound', { detail: 'No such record.' });
    if (ctx.path === '/boom') throw new Error('unexpected');
    ctx.body = { ok: true };
  });
  const server: Server = koa.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const app: TinyApp = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handled: () => handled,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(app);
  return app;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('rateLimitHeaders', () => {
  test('when a decision is given, then the fields follow the current draft syntax', () => {
    expect(
      rateLimitHeaders({
        allowed: true,
        limit: 100,
        remaining: 42,
        resetSeconds: 17,
        retryAfterSeconds: 0,
        policy: 'read',
        windowSeconds: 60,
      }),
    ).toEqual({ 'RateLimit-Policy': '"read";q=100;w=60', RateLimit: '"read";r=42;t=17' });
  });
});

describe('rateLimit middleware', () => {
  test('when requests are under the limit, then they are handled and carry the RateLimit fields', async () => {
    const app = await tinyApp(new MemoryRateLimiter({ readLimit: 2, writeLimit: 1 }));
    const first = await fetch(`${app.url}/ok`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"read";q=2;w=60');
    // t counts down on the real clock: a slow machine may already be a second further.
    expect(first.headers.get('ratelimit')).toMatch(/^"read";r=1;t=(29|30)$/);
    const write = await fetch(`${app.url}/ok`, { method: 'POST' });
    expect(write.status).toBe(200);
    expect(write.headers.get('ratelimit')).toMatch(/^"write";r=0;t=(59|60)$/);
    expect(app.handled()).toBe(2);
  });

  test('when the limit is exceeded, then 429 problem+json with Retry-After, and the handler is not called', async () => {
    const app = await tinyApp(new MemoryRateLimiter({ readLimit: 2 }));
    await fetch(`${app.url}/ok`);
    await fetch(`${app.url}/ok`);
    const refused = await fetch(`${app.url}/ok`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('ratelimit-policy')).toBe('"read";q=2;w=60');
    expect(refused.headers.get('ratelimit')).toMatch(/^"read";r=0;t=(59|60)$/);
    expect(await refused.json()).toEqual({
      type: 'urn:problem-type:data-api:rate-limited',
      title: 'Too many requests',
      status: 429,
      code: 'DAPI-4291',
      detail: 'More than 2 read requests in 60 s; retry in 30 s.',
    });
    expect(app.handled()).toBe(2);
  });

  test('when the handler fails, then the error response keeps the RateLimit fields', async () => {
    const app = await tinyApp(new MemoryRateLimiter());
    const notFound = await fetch(`${app.url}/not-found`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('ratelimit')).toMatch(/^"read";r=99;t=[01]$/);
    const boom = await fetch(`${app.url}/boom`);
    expect(boom.status).toBe(500);
    expect(boom.headers.get('ratelimit')).toMatch(/^"read";r=98;t=[0-2]$/);
  });

  test("when the error reaches Koa's own handler, which clears headers, then the fields still come back", async () => {
    const app = await tinyApp(new MemoryRateLimiter(), { withProblems: false });
    const boom = await fetch(`${app.url}/boom`);
    expect(boom.status).toBe(500);
    expect(boom.headers.get('ratelimit-policy')).toBe('"read";q=100;w=60');
    expect(boom.headers.get('ratelimit')).toMatch(/^"read";r=99;t=[01]$/);
  });

  test('when an anonymous request names a user_id, then it spends its address budget all the same', async () => {
    const app = await tinyApp(new MemoryRateLimiter({ readLimit: 1 }));
    expect((await fetch(`${app.url}/ok?user_id=alice`)).status).toBe(200);
    // A user_id of its own choosing would be a fresh budget per request.
    expect((await fetch(`${app.url}/ok?user_id=bob`)).status).toBe(429);
    expect((await fetch(`${app.url}/ok`)).status).toBe(429);
  });

  test('when the caller is authenticated, then its subject has a budget apart from the address', async () => {
    const limiter = new MemoryRateLimiter({ readLimit: 1 });
    const alice = await tinyApp(limiter, { principal: { subject: 'alice', via: 'jwt' } });
    const anonymous = await tinyApp(limiter);
    expect((await fetch(`${alice.url}/ok?user_id=bob`)).status).toBe(200);
    expect((await fetch(`${alice.url}/ok?user_id=carol`)).status).toBe(429);
    expect((await fetch(`${anonymous.url}/ok`)).status).toBe(200);
  });

  test('when AUTH_MODE=none and user_id is in the query, then that user has a budget apart from the address', async () => {
    const app = await tinyApp(new MemoryRateLimiter({ readLimit: 1 }), {
      principal: { subject: 'developer', via: 'none' },
    });
    expect((await fetch(`${app.url}/ok?user_id=alice`)).status).toBe(200);
    expect((await fetch(`${app.url}/ok?user_id=alice`)).status).toBe(429);
    expect((await fetch(`${app.url}/ok?user_id=bob`)).status).toBe(200);
    expect((await fetch(`${app.url}/ok`)).status).toBe(200); // ip:127.0.0.1
    // Not a valid user_id (the contract's pattern): counted by address, which is spent now.
    expect((await fetch(`${app.url}/ok?user_id=${encodeURIComponent('{bad id}')}`)).status).toBe(429);
  });

  test('when skip matches, then the request is neither limited nor given the fields', async () => {
    const app = await tinyApp(new MemoryRateLimiter({ readLimit: 1 }));
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${app.url}/health`);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toBeNull();
    }
  });

  test('when the method is GET, HEAD or OPTIONS, then it is a read; anything else is a write', async () => {
    const limiter = new MemoryRateLimiter({ readLimit: 10, writeLimit: 10 });
    const app = await tinyApp(limiter);
    const policies: string[] = [];
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${app.url}/ok`, { method });
      policies.push(res.headers.get('ratelimit-policy')?.split(';')[0] ?? '');
    }
    expect(policies).toEqual(['"read"', '"read"', '"read"', '"write"', '"write"', '"write"', '"write"']);
  });
});
