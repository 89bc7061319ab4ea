/**
 * The security rules of the configuration (docs/security.md): no guessable secrets in
 * production, verified TLS on every connection in production unless TLS_EXEMPT says otherwise
 * (and then the start says so), AUTH_MODE=none on loopback, credentials for Redis in one place.
 */
import { ConfigError, loadConfig } from '../../src/config/config.js';

// Random-looking secrets, as `openssl rand -hex 16` makes them.
const STRONG = '9f4c1e7ab2d85063f1e9c47a0b6d3825';
const STRONG_2 = 'e27b94d0c5f1a8364b0e9d72c1f5a368';
const PG = 'postgres://app@db.internal:5432/app';
const production = {
  NODE_ENV: 'production',
  AUTH_MODE: 'required',
  AUTH_JWT_SECRET: STRONG,
  CURSOR_SECRET: STRONG_2,
  DATABASE_URL: `${PG}?sslmode=verify-full`,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('secrets', () => {
  test.each([
    ['32 identical characters', 'a'.repeat(32)],
    ['a short pattern repeated', 'abcd'.repeat(8)],
    ['a word repeated', 'changeme-'.repeat(4)],
    ['few distinct characters', 'passwordpasswordpasswordpassword1'],
  ])(
    'when AUTH_JWT_SECRET and CURSOR_SECRET are %s in production, then the start is refused',
    (_name, secret) => {
      const problems = problemsOf({ ...production, AUTH_JWT_SECRET: secret, CURSOR_SECRET: secret });
      expect(problems.map((p) => p.split(':')[0])).toEqual(['CURSOR_SECRET', 'AUTH_JWT_SECRET']);
    },
  );

  test('when the same weak secrets are used outside production, then they are accepted (a developer may)', () => {
    expect(problemsOf({ AUTH_JWT_SECRET: 'a'.repeat(32), CURSOR_SECRET: 'k'.repeat(32) })).toEqual([]);
  });

  test('when a secret is random, then production takes it', () => {
    expect(problemsOf(production)).toEqual([]);
  });
});

describe('AUTH_MODE=none listens on loopback', () => {
  test('when AUTH_MODE=none and HOST is the default 0.0.0.0, then the server listens on 127.0.0.1 and says why', () => {
    const c = loadConfig({ AUTH_MODE: 'none' });
    expect(c.host).toBe('127.0.0.1');
    expect(c.warnings.join('\n')).toMatch(/listening on 127\.0\.0\.1, not HOST=0\.0\.0\.0/);
  });

  test('when AUTH_MODE=none names a public HOST, then loopback all the same unless AUTH_NONE_ALLOW_REMOTE=true', () => {
    expect(loadConfig({ AUTH_MODE: 'none', HOST: '10.1.2.3' }).host).toBe('127.0.0.1');
    expect(loadConfig({ AUTH_MODE: 'none', HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ AUTH_MODE: 'none', AUTH_NONE_ALLOW_REMOTE: 'true' }).host).toBe('0.0.0.0');
  });

  test('when authentication is required, then HOST is used as given', () => {
    expect(loadConfig({ AUTH_JWT_SECRET: STRONG }).host).toBe('0.0.0.0');
  });
});

describe('TLS in production', () => {
  test.each([
    ['DATABASE_URL without sslmode', { DATABASE_URL: PG }, 'DATABASE_URL', 'database'],
    [
      'DATABASE_URL with sslmode=require',
      { DATABASE_URL: `${PG}?sslmode=require` },
      'DATABASE_URL',
      'database',
    ],
    [
      'DATABASE_URL with sslmode=no-verify',
      { DATABASE_URL: `${PG}?sslmode=no-verify` },
      'DATABASE_URL',
      'database',
    ],
    ['a redis:// URL', { REDIS_URL: 'redis://cache:6379' }, 'REDIS_URL', 'redis'],
    [
      'a cluster without REDIS_TLS_CA_FILE',
      { REDIS_CLUSTER_NODES: 'a:7000,b:7000' },
      'REDIS_CLUSTER_NODES',
      'redis',
    ],
    [
      'an http:// JWKS',
      { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'http://idp.internal/jwks.json' },
      'AUTH_JWKS_URL',
      'jwks',
    ],
  ])(
    'when %s, then the start is refused, unless TLS_EXEMPT names it, which is logged',
    (_name, env, key, exempt) => {
      const problems = problemsOf({ ...production, ...env });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${key}: .*TLS_EXEMPT=${exempt}`));
      const c = loadConfig({ ...production, ...env, TLS_EXEMPT: exempt });
      expect(c.tlsExempt).toEqual([exempt]);
      expect(c.warnings).toEqual([expect.stringMatching(new RegExp(`^TLS_EXEMPT=${exempt}: ${key}`))]);
    },
  );

  test('when every connection is verified TLS, then production starts and logs nothing about it', () => {
    const c = loadConfig({
      ...production,
      REDIS_URL: 'rediss://cache:6380',
      AUTH_JWT_SECRET: '',
      AUTH_JWKS_URL: 'https://idp.example.com/jwks.json',
    });
    expect(c.warnings).toEqual([]);
  });

  test('when TLS_EXEMPT names something else, then it is refused', () => {
    expect(problemsOf({ ...production, TLS_EXEMPT: 'database,postgres' })).toEqual([
      'TLS_EXEMPT: "postgres" is not one of database, redis, jwks',
    ]);
  });

  test('when not in production, then plaintext is accepted as before', () => {
    expect(problemsOf({ AUTH_MODE: 'none', DATABASE_URL: PG, REDIS_URL: 'redis://cache:6379' })).toEqual([]);
  });
});

describe('Redis credentials', () => {
  test('when REDIS_USERNAME and REDIS_PASSWORD are set, then the gateway gets them (single and cluster)', () => {
    const c = loadConfig({
      AUTH_MODE: 'none',
      REDIS_CLUSTER_NODES: 'a:7000',
      REDIS_USERNAME: 'data-api',
      REDIS_PASSWORD: STRONG,
    });
    expect([c.redisUsername, c.redisPassword]).toEqual(['data-api', STRONG]);
  });

  test('when the URL holds credentials too, or a user comes without a password, then the start is refused', () => {
    expect(
      problemsOf({ AUTH_MODE: 'none', REDIS_URL: 'redis://u:p@cache:6379', REDIS_PASSWORD: STRONG }),
    ).toEqual(['REDIS_PASSWORD: REDIS_URL holds credentials already; set them in one place']);
    expect(problemsOf({ AUTH_MODE: 'none', REDIS_URL: 'redis://cache:6379', REDIS_USERNAME: 'u' })).toEqual([
      'REDIS_PASSWORD: required with REDIS_USERNAME',
    ]);
  });
});

describe('API keys', () => {
  test('when an API key names a subject that is not a user_id, then the start is refused', () => {
    const keys = JSON.stringify([{ sha256: 'a'.repeat(64), subject: 'svc one', scopes: ['data:read'] }]);
    expect(problemsOf({ AUTH_API_KEYS: keys })[0]).toMatch(/^AUTH_API_KEYS: expected/);
  });
});
