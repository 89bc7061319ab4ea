/**
 * CORS over real HTTP: off by default; with CORS_ALLOWED_ORIGINS, allowed origins get the
 * headers on every answer (errors included), preflights are answered before authentication and
 * rate limiting, and any other origin is answered as if CORS were off.
 */
import { SignJWT } from 'jose';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../../src/api/middleware/cors.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestResponse, type TestServer } from '../helpers/server.js';

const SECRET = 'test-only-hs256-secret-0123456789abcdef';
const APP = 'https://app.example.com';
const LOCAL = 'http://localhost:3000';
const EVIL = 'https://evil.example.net';

async function bearer(sub: string): Promise<Record<string, string>> {
  const jwt = await new SignJWT({ scope: 'data:read data:write' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer('data-api')
    .setAudience('data-api')
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${jwt}` };
}

function preflight(origin: string, method: string, headers = 'authorization, content-type') {
  return { origin, 'access-control-request-method': method, 'access-control-request-headers': headers };
}

function corsHeaders(res: TestResponse): string[] {
  return [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));
}

function varies(res: TestResponse): string[] {
  return (res.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
}

function listed(res: TestResponse, name: string): string[] {
  return (res.headers.get(name) ?? '').split(',').map((v) => v.trim().toLowerCase());
}

describe('CORS', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await testDb.drop();
  });

  describe('when CORS_ALLOWED_ORIGINS is unset', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServerOn(testDb.db);
    });
    afterAll(async () => {
      await s.close();
    });

    test('then no answer carries an Access-Control-* header', async () => {
      const get = await s.request('GET', '/data?user_id=u1', { headers: { origin: APP } });
      expect(get.status).toBe(200);
      const post = await s.request('POST', '/data', {
        body: { user_id: 'u1', payload: {} },
        headers: { origin: APP },
      });
      expect(post.status).toBe(201);
      for (const res of [get, post]) {
        expect(corsHeaders(res)).toEqual([]);
        expect(varies(res)).not.toContain('origin');
      }
    });

    test('then a preflight is answered as any undeclared method: 405 with Allow', async () => {
      const res = await s.request('OPTIONS', '/data', { headers: preflight(APP, 'POST') });
      expect(res.status).toBe(405);
      expect(res.body.code).toBe('DAPI-4051');
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST, DELETE');
      expect(corsHeaders(res)).toEqual([]);
    });
  });

  describe('when origins are allowed and authentication is required', () => {
    let s: TestServer;
    const logLines: Record<string, unknown>[] = [];
    let alice: Record<string, string>;
    beforeAll(async () => {
      s = await startServerOn(
        testDb.db,
        {
          AUTH_MODE: 'required',
          AUTH_JWT_SECRET: SECRET,
          RATE_LIMIT_ENABLED: 'true',
          CORS_ALLOWED_ORIGINS: `${APP}, ${LOCAL}`,
        },
        logLines,
      );
      alice = await bearer('alice');
    });
    afterAll(async () => {
      await s.close();
    });

    test('then GET and POST from an allowed origin carry its origin, Vary: Origin and the exposed headers', async () => {
      const post = await s.request('POST', '/data', {
        body: { user_id: 'alice', payload: { n: 1 } },
        headers: { ...alice, origin: APP },
      });
      expect(post.status).toBe(201);
      const get = await s.request('GET', post.headers.get('location') as string, {
        headers: { ...alice, origin: LOCAL },
      });
      expect(get.status).toBe(200);
      expect(post.headers.get('access-control-allow-origin')).toBe(APP);
      expect(get.headers.get('access-control-allow-origin')).toBe(LOCAL);
      for (const res of [post, get]) {
        expect(varies(res)).toContain('origin');
        expect(listed(res, 'access-control-expose-headers')).toEqual(
          CORS_EXPOSE_HEADERS.map((h) => h.toLowerCase()),
        );
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        // Only preflights answer these.
        expect(res.headers.get('access-control-allow-methods')).toBeNull();
      }
      // Every header a page reads is exposed (a safelisted one needs no listing).
      for (const name of ['etag', 'location', 'x-request-id', 'ratelimit', 'ratelimit-policy']) {
        expect([name, post.headers.has(name)]).toEqual([name, true]);
        expect(listed(post, 'access-control-expose-headers')).toContain(name);
      }
      expect(listed(get, 'access-control-expose-headers')).toContain('x-cache');
    });

    test('then errors from an allowed origin carry the headers too, so the page can read the problem', async () => {
      const res = await s.request('GET', '/data?user_id=alice', { headers: { origin: APP } });
      expect(res.status).toBe(401);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(listed(res, 'access-control-expose-headers')).toContain('www-authenticate');
      const missing = await s.request('GET', '/nope', { headers: { origin: APP } });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('access-control-allow-origin')).toBe(APP);
    });

    test('then a disallowed origin gets no CORS header, and the same answer otherwise', async () => {
      for (const origin of [EVIL, 'null', `${APP}.evil.example`, 'https://APP.example.com', `${APP}:443`]) {
        const res = await s.request('GET', '/data?user_id=alice', { headers: { ...alice, origin } });
        expect([origin, res.status, corsHeaders(res)]).toEqual([origin, 200, []]);
        expect(varies(res)).toContain('origin');
      }
      const none = await s.request('GET', '/health');
      expect(corsHeaders(none)).toEqual([]);
      expect(varies(none)).toContain('origin');
    });

    test('then a preflight without credentials answers 204 with the methods of the path', async () => {
      for (const [path, method, methods] of [
        ['/data', 'POST', 'GET, HEAD, POST, DELETE'],
        ['/data/export', 'GET', 'GET, HEAD'],
        ['/data/01937a4e-8f2c-7cc1-9b1e-5f4a2d3c1b0a', 'PATCH', 'GET, HEAD, PUT, PATCH, DELETE'],
        ['/data/bulk', 'POST', 'POST'],
        ['/health', 'GET', 'GET, HEAD'],
      ] as const) {
        const res = await s.request('OPTIONS', path, { headers: preflight(APP, method) });
        expect([path, res.status, res.text]).toEqual([path, 204, '']);
        expect(res.headers.get('access-control-allow-origin')).toBe(APP);
        expect(res.headers.get('access-control-allow-methods')).toBe(methods);
        expect(listed(res, 'access-control-allow-headers')).toEqual(
          CORS_ALLOW_HEADERS.map((h) => h.toLowerCase()),
        );
        expect(res.headers.get('access-control-max-age')).toBe('600');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        expect(varies(res)).toContain('origin');
        // Answered before authentication and rate limiting: no challenge, no budget spent.
        expect(res.headers.get('www-authenticate')).toBeNull();
        expect(res.headers.get('ratelimit')).toBeNull();
      }
    });

    test('then every header the API reads may be sent cross-origin', () => {
      for (const name of ['authorization', 'x-api-key', 'content-type', 'if-match', 'if-none-match']) {
        expect(CORS_ALLOW_HEADERS.map((h) => h.toLowerCase())).toContain(name);
      }
      for (const name of ['idempotency-key', 'x-request-id', 'traceparent']) {
        expect(CORS_ALLOW_HEADERS.map((h) => h.toLowerCase())).toContain(name);
      }
    });

    test('then a preflight for a method the path does not declare lists only the declared ones', async () => {
      const res = await s.request('OPTIONS', '/data', { headers: preflight(APP, 'PUT') });
      expect(res.status).toBe(204);
      // The browser compares and refuses the PUT itself.
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, DELETE');
      const bulk = await s.request('OPTIONS', '/data/bulk', { headers: preflight(APP, 'GET') });
      expect(bulk.headers.get('access-control-allow-methods')).toBe('POST');
    });

    test('then a preflight from a disallowed origin is answered as if CORS were off', async () => {
      const res = await s.request('OPTIONS', '/data', { headers: preflight(EVIL, 'POST') });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST, DELETE');
      expect(corsHeaders(res)).toEqual([]);
      expect(varies(res)).toContain('origin');
    });

    test('then OPTIONS that is not a preflight, or to an unknown path, is no preflight', async () => {
      const plain = await s.request('OPTIONS', '/data', { headers: { origin: APP } });
      expect(plain.status).toBe(405);
      expect(plain.headers.get('access-control-allow-origin')).toBe(APP);
      expect(plain.headers.get('access-control-allow-methods')).toBeNull();
      const unknown = await s.request('OPTIONS', '/nope', { headers: preflight(APP, 'GET') });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('access-control-allow-methods')).toBeNull();
    });

    test('then a preflight is logged and measured under its route', async () => {
      const res = await s.request('OPTIONS', '/data/bulk', {
        headers: { ...preflight(LOCAL, 'POST'), 'x-request-id': 'cors-preflight-1' },
      });
      expect(res.status).toBe(204);
      const line = logLines.find((l) => l.request_id === 'cors-preflight-1');
      expect(line).toMatchObject({ method: 'OPTIONS', route: '/data/bulk', status: 204 });
      const metrics = (await s.request('GET', '/metrics')).text;
      expect(metrics).toMatch(/method="OPTIONS",route="\/data\/bulk",status="204"/);
    });

    test('then after the preflight the actual request from the page goes through', async () => {
      const pre = await s.request('OPTIONS', '/data', { headers: preflight(APP, 'POST') });
      expect(pre.status).toBe(204);
      const res = await s.request('POST', '/data', {
        body: { user_id: 'alice', payload: { via: 'browser' } },
        headers: { ...alice, origin: APP, 'idempotency-key': 'cors-1' },
      });
      expect(res.status).toBe(201);
      const replay = await s.request('POST', '/data', {
        body: { user_id: 'alice', payload: { via: 'browser' } },
        headers: { ...alice, origin: APP, 'idempotency-key': 'cors-1' },
      });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.headers.get('access-control-allow-origin')).toBe(APP);
      expect(listed(replay, 'access-control-expose-headers')).toContain('idempotent-replayed');
    });
  });

  describe('when credentials are allowed', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServerOn(testDb.db, {
        CORS_ALLOWED_ORIGINS: APP,
        CORS_ALLOW_CREDENTIALS: 'true',
        CORS_MAX_AGE_SECONDS: '60',
      });
    });
    afterAll(async () => {
      await s.close();
    });

    test('then allowed origins get Access-Control-Allow-Credentials, others nothing', async () => {
      const get = await s.request('GET', '/data?user_id=u2', { headers: { origin: APP } });
      expect(get.headers.get('access-control-allow-origin')).toBe(APP);
      expect(get.headers.get('access-control-allow-credentials')).toBe('true');
      const pre = await s.request('OPTIONS', '/data', { headers: preflight(APP, 'POST') });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(pre.headers.get('access-control-max-age')).toBe('60');
      const other = await s.request('GET', '/data?user_id=u2', { headers: { origin: LOCAL } });
      expect(corsHeaders(other)).toEqual([]);
    });
  });

  describe('when any origin is allowed (*)', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServerOn(testDb.db, { CORS_ALLOWED_ORIGINS: '*' });
    });
    afterAll(async () => {
      await s.close();
    });

    test('then every origin gets Access-Control-Allow-Origin: * and no credentials', async () => {
      for (const origin of [APP, EVIL]) {
        const get = await s.request('GET', '/health', { headers: { origin } });
        expect(get.headers.get('access-control-allow-origin')).toBe('*');
        expect(get.headers.get('access-control-allow-credentials')).toBeNull();
        const pre = await s.request('OPTIONS', '/data', { headers: preflight(origin, 'GET') });
        expect([pre.status, pre.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
      }
      // Without Origin, no browser is asking: no CORS headers.
      expect(corsHeaders(await s.request('GET', '/health'))).toEqual([]);
    });
  });
});
