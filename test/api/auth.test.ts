/**
 * Who may do what, over real HTTP: bearer JWTs (every check), API keys, scopes, and one user
 * trying every operation on another user's records.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type TestServer } from '../helpers/server.js';

const SECRET = 'test-only-hs256-secret-0123456789abcdef';
// Keys are 32+ unguessable characters (shorter ones are refused before any lookup).
const API_KEY = 'dak_7Qm2vX9pL4sN8wR1tY6uB3eH5jK0cZfG';

async function token(
  claims: { sub?: string; scope?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {},
  secret = SECRET,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: claims.scope ?? 'data:read data:write' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(claims.iss ?? 'data-api')
    .setAudience(claims.aud ?? 'data-api')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? now + 600);
  if (claims.sub !== '') jwt.setSubject(claims.sub ?? 'alice');
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('authentication and authorization', () => {
  let s: TestServer;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    s = await startServer('postgres', {
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: JSON.stringify([
        { sha256: createHash('sha256').update(API_KEY).digest('hex'), subject: 'bob', scopes: ['data:read'] },
      ]),
    });
    alice = bearer(await token({ sub: 'alice' }));
    bob = bearer(await token({ sub: 'bob' }));
    admin = bearer(await token({ sub: 'ops', scope: 'data:admin' }));
  });
  afterAll(async () => {
    await s.close();
  });

  test('when /data is called without credentials, then 401 with WWW-Authenticate', async () => {
    for (const [method, path] of [
      ['GET', '/data?user_id=alice'],
      ['POST', '/data'],
      ['GET', '/data/01937a4e-8f2c-7cc1-9b1e-5f4a2d3c1b0a'],
    ] as const) {
      const res = await s.request(
        method,
        path,
        method === 'POST' ? { body: { user_id: 'alice', payload: {} } } : {},
      );
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 401, 'DAPI-4011']);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="data-api"/);
    }
  });

  test('when operations endpoints are called without credentials, then they answer', async () => {
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json', '/docs']) {
      expect([path, (await s.request('GET', path)).status]).toEqual([path, 200]);
    }
  });

  test.each([
    ['expired', () => token({ exp: Math.floor(Date.now() / 1000) - 10 })],
    ['not yet valid (nbf)', () => token({ nbf: Math.floor(Date.now() / 1000) + 600 })],
    ['from another issuer', () => token({ iss: 'someone-else' })],
    ['for another audience', () => token({ aud: 'another-api' })],
    ['signed with another secret', () => token({}, 'another-secret-that-is-long-enough-000')],
    ['without a subject', () => token({ sub: '' })],
    [
      'with alg none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'alice', iss: 'data-api', aud: 'data-api', exp: now + 600 })}.`;
      },
    ],
    [
      'signed RS256 (an algorithm not allowed)',
      async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return new SignJWT({ scope: 'data:admin' })
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
          .setSubject('alice')
          .setIssuer('data-api')
          .setAudience('data-api')
          .setExpirationTime('10m')
          .sign(privateKey);
      },
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('when the bearer token is %s, then 401', async (_name, make) => {
    const res = await s.request('GET', '/data?user_id=alice', { headers: bearer(await make()) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  test('when a token that was accepted expires, then the next request with it is refused', async () => {
    // Verified tokens are remembered by the server; the memory must not outlive the token.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const soon = bearer(await token({ exp }));
    expect((await s.request('GET', '/data?user_id=alice', { headers: soon })).status).toBe(200);
    expect((await s.request('GET', '/data?user_id=alice', { headers: soon })).status).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    const res = await s.request('GET', '/data?user_id=alice', { headers: soon });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  test('when a token is not valid yet, then it is refused until its nbf, then accepted', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 2;
    const later = bearer(await token({ nbf }));
    expect((await s.request('GET', '/data?user_id=alice', { headers: later })).status).toBe(401);
    await new Promise((r) => setTimeout(r, nbf * 1000 - Date.now() + 50));
    expect((await s.request('GET', '/data?user_id=alice', { headers: later })).status).toBe(200);
  });

  test('when a token differs from an accepted one by its signature only, then 401', async () => {
    const good = await token();
    expect((await s.request('GET', '/data?user_id=alice', { headers: bearer(good) })).status).toBe(200);
    const forged = good.slice(0, good.lastIndexOf('.') + 1) + 'A'.repeat(43);
    expect((await s.request('GET', '/data?user_id=alice', { headers: bearer(forged) })).status).toBe(401);
  });

  test('when Authorization is not a bearer token, then 401', async () => {
    const res = await s.request('GET', '/data?user_id=alice', {
      headers: { authorization: 'Basic YWxpY2U6eA==' },
    });
    expect(res.status).toBe(401);
  });

  test('when a token lacks the scope, then 403', async () => {
    const readOnly = bearer(await token({ sub: 'alice', scope: 'data:read' }));
    const writeOnly = bearer(await token({ sub: 'alice', scope: 'data:write' }));
    expect(
      (await s.request('POST', '/data', { body: { user_id: 'alice', payload: {} }, headers: readOnly }))
        .status,
    ).toBe(403);
    expect((await s.request('GET', '/data?user_id=alice', { headers: writeOnly })).status).toBe(403);
    expect((await s.request('GET', '/data?user_id=alice', { headers: readOnly })).status).toBe(200);
  });

  test("when alice tries every operation on bob's records, then 404 for his records, 403 for his user_id", async () => {
    const bobs = await s.request('POST', '/data', {
      body: { user_id: 'bob', payload: { mine: true } },
      headers: bob,
    });
    expect(bobs.status).toBe(201);
    const path = `/data/${bobs.body.id}`;
    const mergePatch = { ...alice, 'content-type': 'application/merge-patch+json' };
    expect((await s.request('GET', path, { headers: alice })).body.code).toBe('DAPI-4041');
    expect((await s.request('PUT', path, { body: { payload: {} }, headers: alice })).status).toBe(404);
    expect(
      (await s.request('PATCH', path, { body: { payload: { x: 1 } }, headers: mergePatch })).status,
    ).toBe(404);
    expect((await s.request('DELETE', path, { headers: alice })).status).toBe(404);
    expect((await s.request('GET', '/data?user_id=bob', { headers: alice })).status).toBe(403);
    expect(
      (await s.request('POST', '/data', { body: { user_id: 'bob', payload: {} }, headers: alice })).status,
    ).toBe(403);
    const bulk = await s.request('POST', '/data/bulk', {
      body: {
        items: [
          { user_id: 'alice', payload: {} },
          { user_id: 'bob', payload: {} },
        ],
      },
      headers: alice,
    });
    expect(bulk.status).toBe(403);
    expect((await s.request('GET', '/data?user_id=alice', { headers: alice })).body.items).toEqual([]);
    // Bob's record is untouched, and still his.
    const still = await s.request('GET', path, { headers: bob });
    expect(still.body).toMatchObject({ version: 1, payload: { mine: true }, user_id: 'bob' });
  });

  test('when a user works on its own records, then everything is allowed', async () => {
    const mine = await s.request('POST', '/data', {
      body: { user_id: 'alice', payload: { a: 1 } },
      headers: alice,
    });
    const path = `/data/${mine.body.id}`;
    expect((await s.request('GET', path, { headers: alice })).status).toBe(200);
    expect((await s.request('PUT', path, { body: { payload: { a: 2 } }, headers: alice })).status).toBe(200);
    expect(
      (
        await s.request('PATCH', path, {
          body: { payload: { b: 1 } },
          headers: { ...alice, 'content-type': 'application/merge-patch+json' },
        })
      ).body.payload,
    ).toEqual({ a: 2, b: 1 });
    expect((await s.request('DELETE', path, { headers: alice })).status).toBe(204);
  });

  test('when an admin acts for anyone, then it is allowed', async () => {
    const created = await s.request('POST', '/data', {
      body: { user_id: 'carol', payload: {} },
      headers: admin,
    });
    expect(created.status).toBe(201);
    expect((await s.request('GET', '/data?user_id=carol', { headers: admin })).body.items).toHaveLength(1);
    expect((await s.request('DELETE', `/data/${created.body.id}`, { headers: admin })).status).toBe(204);
  });

  test('when an API key is used, then it acts as its subject with its scopes', async () => {
    const key = { 'x-api-key': API_KEY };
    expect((await s.request('GET', '/data?user_id=bob', { headers: key })).status).toBe(200);
    expect((await s.request('GET', '/data?user_id=alice', { headers: key })).status).toBe(403);
    expect(
      (await s.request('POST', '/data', { body: { user_id: 'bob', payload: {} }, headers: key })).status,
    ).toBe(403);
    expect((await s.request('GET', '/data?user_id=bob', { headers: { 'x-api-key': 'wrong' } })).status).toBe(
      401,
    );
  });
});

describe('authentication configuration', () => {
  test('when AUTH_MODE=none in production, then the start is refused', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        AUTH_MODE: 'none',
        CURSOR_SECRET: 'e27b94d0c5f1a8364b0e9d72c1f5a368',
      }),
    ).toThrow('AUTH_MODE: none is for local development');
  });

  test('when AUTH_MODE=required has nothing to verify with, then the start is refused', () => {
    expect(() => loadConfig({})).toThrow('AUTH_MODE: required needs');
  });

  test('when a secret is paired with a public-key algorithm, then the start is refused', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ALGORITHMS: 'RS256' })).toThrow(
      'only HS* algorithms go with AUTH_JWT_SECRET',
    );
    expect(() =>
      loadConfig({ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_JWT_ALGORITHMS: 'HS256' }),
    ).toThrow('HS* algorithms cannot be used with AUTH_JWKS_URL');
  });
});
