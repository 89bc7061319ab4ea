/**
 * Bearer tokens verified with the identity provider's keys (AUTH_JWKS_URL), against a real JWKS
 * served over HTTP on a free port: a key the provider removes stops admitting tokens within
 * AUTH_JWKS_CACHE_SECONDS, and a key set that cannot be fetched is the service's 503, counted,
 * not a 401 for every caller.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { freePort } from '../helpers/redis-servers.js';
import { metricValue, startServer, type TestServer } from '../helpers/server.js';

interface Signer {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signer(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

async function token(key: Signer, sub = 'alice'): Promise<string> {
  return new SignJWT({ scope: 'data:read data:write' })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .setSubject(sub)
    .setIssuer('data-api')
    .setAudience('data-api')
    .setExpirationTime('10m')
    .sign(key.privateKey);
}

/** A JWKS endpoint whose keys, or failure, a test sets; counts the fetches. */
interface Jwks {
  url: string;
  keys: JWK[];
  /** Answer this status instead of the key set (500: the provider is down). */
  failWith: number | undefined;
  fetches: number;
  close(): Promise<void>;
}

async function jwksServer(): Promise<Jwks> {
  const state = { keys: [] as JWK[], failWith: undefined as number | undefined, fetches: 0 };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    if (state.failWith !== undefined) {
      res.writeHead(state.failWith).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as Jwks;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('bearer tokens verified with a JWKS', () => {
  let jwks: Jwks;
  let one: Signer;
  let two: Signer;
  beforeAll(async () => {
    jwks = await jwksServer();
    [one, two] = await Promise.all([signer('one'), signer('two')]);
  });
  afterAll(async () => {
    await jwks?.close();
  });

  describe('with AUTH_JWKS_CACHE_SECONDS=1', () => {
    let s: TestServer;
    beforeAll(async () => {
      jwks.keys = [one.jwk];
      jwks.failWith = undefined;
      s = await startServer('pglite', {
        AUTH_MODE: 'required',
        AUTH_JWKS_URL: jwks.url,
        AUTH_JWKS_CACHE_SECONDS: '1',
      });
    });
    afterAll(async () => {
      await s?.close();
    });

    test('when the provider removes a key, then tokens signed with it stop verifying within the cache lifetime', async () => {
      const old = await token(one);
      expect((await s.request('GET', '/data?user_id=alice', { headers: bearer(old) })).status).toBe(200);
      jwks.keys = [two.jwk];
      await sleep(1300);
      // The same token (which the server remembers as verified) and a new one with the old key.
      for (const t of [old, await token(one)]) {
        const res = await s.request('GET', '/data?user_id=alice', { headers: bearer(t) });
        expect([res.status, res.body.code]).toEqual([401, 'DAPI-4011']);
      }
      expect(
        (await s.request('GET', '/data?user_id=alice', { headers: bearer(await token(two)) })).status,
      ).toBe(200);
    });

    test('when a token names a key that is not in the fetched set, then 401, not 503', async () => {
      const stranger = await signer('stranger');
      const res = await s.request('GET', '/data?user_id=alice', { headers: bearer(await token(stranger)) });
      expect([res.status, res.body.code]).toEqual([401, 'DAPI-4011']);
    });
  });

  describe('when the key set cannot be fetched', () => {
    test.each<[string, (j: Jwks) => Promise<string>]>([
      [
        'the provider answers 500',
        async (j) => {
          j.failWith = 500;
          return j.url;
        },
      ],
      ['nothing listens at the URL', async () => `http://127.0.0.1:${await freePort()}/jwks.json`],
    ])('and %s, then 503 identity-provider-unavailable with Retry-After, counted', async (_name, arrange) => {
      const url = await arrange(jwks);
      const s = await startServer('pglite', { AUTH_MODE: 'required', AUTH_JWKS_URL: url });
      try {
        const t = await token(one);
        const first = await s.request('GET', '/data?user_id=alice', { headers: bearer(t) });
        expect([first.status, first.body.code, first.headers.get('retry-after')]).toEqual([
          503,
          'DAPI-5034',
          '5',
        ]);
        expect(first.headers.get('www-authenticate')).toBeNull();
        // Within Retry-After, the next caller is answered at once, without a fetch of its own.
        const fetches = jwks.fetches;
        const started = Date.now();
        const second = await s.request('GET', '/data?user_id=alice', { headers: bearer(t) });
        expect([second.status, second.body.code]).toEqual([503, 'DAPI-5034']);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(jwks.fetches).toBe(fetches);
        expect(await metricValue(s, 'auth_keys_unavailable_total')).toBe(2);
      } finally {
        jwks.failWith = undefined;
        await s.close();
      }
    });
  });
});
