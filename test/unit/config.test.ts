import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config/config.js';
import { keyTable } from '../../src/config/config-keys.js';
import { workerCount } from '../../src/config/database-rules.js';
import { PROJECT_ROOT } from '../../src/config/paths.js';

describe('configuration', () => {
  test('when nothing is set, then the defaults serve the embedded database on port 8000', () => {
    const c = loadConfig({ AUTH_MODE: 'none' });
    expect(c).toMatchObject({
      port: 8000,
      databaseUrl: undefined,
      pgliteDataDir: './data/pglite',
      bodyLimitBytes: 1048576,
      payloadLimitBytes: 65536,
      jsonMaxDepth: 32,
      bulkMaxItems: 1000,
      migrateOnStart: true,
    });
    expect(c.cursorSecret).toHaveLength(32);
    expect(Object.isFrozen(c)).toBe(true);
  });

  test('when values are set, then they are parsed', () => {
    const c = loadConfig({
      AUTH_MODE: 'none',
      PORT: '9000',
      MIGRATE_ON_START: 'false',
      DATABASE_URL: 'postgres://u@h:5432/db',
      CURSOR_SECRET: 'k'.repeat(32),
    });
    expect(c).toMatchObject({ port: 9000, migrateOnStart: false, databaseUrl: 'postgres://u@h:5432/db' });
    expect(c.cursorSecret.toString()).toBe('k'.repeat(32));
  });

  test('when values are bad, then every bad variable is named at once', () => {
    let err: unknown;
    try {
      loadConfig({
        AUTH_MODE: 'none',
        PORT: 'eighty',
        BULK_MAX_ITEMS: '5000',
        MIGRATE_ON_START: 'maybe',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        DATABASE_SCHEMA: 'drop table;',
        CURSOR_SECRET: 'short',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(names).toEqual([
      'PORT',
      'LOG_LEVEL',
      'MIGRATE_ON_START',
      'BULK_MAX_ITEMS',
      'DATABASE_URL',
      'DATABASE_SCHEMA',
      'CURSOR_SECRET',
    ]);
  });

  test('when the cache bounds are left alone, then L1, L2 and one entry have their defaults in bytes', () => {
    expect(loadConfig({ AUTH_MODE: 'none' })).toMatchObject({
      cacheL1MaxBytes: 64 * 1024 * 1024,
      cacheL2MaxBytes: 64 * 1024 * 1024,
      cacheEntryMaxBytes: 256 * 1024,
    });
  });

  test('when one entry may be larger than L1 or than a sixteenth of L2, then the start is refused', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig({ AUTH_MODE: 'none', ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(refused({ CACHE_ENTRY_MAX_BYTES: '200000', CACHE_L1_MAX_BYTES: '100000' })).toContain(
      'CACHE_ENTRY_MAX_BYTES: larger than CACHE_L1_MAX_BYTES',
    );
    expect(refused({ CACHE_ENTRY_MAX_BYTES: '70000', CACHE_L2_MAX_BYTES: '1048576' })).toContain(
      'CACHE_ENTRY_MAX_BYTES: larger than CACHE_L2_MAX_BYTES / 16',
    );
    expect(refused({ CACHE_ENTRY_MAX_BYTES: '65536', CACHE_L2_MAX_BYTES: '1048576' })).toEqual([]);
  });

  test('when the Idempotency-Key lease could end while its holder still writes, then the start is refused', () => {
    const problems = (env: Record<string, string>) => {
      try {
        return loadConfig({ AUTH_MODE: 'none', ...env }) && [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    // The defaults: 5 s to get a connection, 5 s for the statement, a lease of 30 s.
    const c = loadConfig({ AUTH_MODE: 'none' });
    expect([c.idempotencyLeaseSeconds, c.idempotencyWriteWindowMs]).toEqual([30, 30_000 - 10_000 - 1000]);
    expect(problems({ IDEMPOTENCY_LEASE_SECONDS: '11' })).toEqual([
      'IDEMPOTENCY_LEASE_SECONDS: 11 is shorter than DB_CONNECT_TIMEOUT_MS + DB_STATEMENT_TIMEOUT_MS plus 2 s (12 s)',
    ]);
    expect(problems({ IDEMPOTENCY_LEASE_SECONDS: '12' })).toEqual([]);
    expect(problems({ IDEMPOTENCY_LEASE_SECONDS: '30', DB_STATEMENT_TIMEOUT_MS: '60000' })).toHaveLength(1);
    expect(
      problems({
        IDEMPOTENCY_LEASE_SECONDS: '120',
        IDEMPOTENCY_TTL_SECONDS: '60',
        DB_STATEMENT_TIMEOUT_MS: '60000',
      }),
    ).toEqual(['IDEMPOTENCY_LEASE_SECONDS: longer than IDEMPOTENCY_TTL_SECONDS']);
  });

  test('when NODE_ENV=production without CURSOR_SECRET, then the start is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('CURSOR_SECRET: required');
  });

  test('when the docs and .env.example are read, then they list every key', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');
    const example = readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8');
    for (const key of Object.keys(CONFIG_KEYS)) {
      expect(doc).toContain(`\`${key}\``);
      expect(example).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
    }
  });

  test('when the docs and .env.example show a default, then it is the declared one', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');
    const example = readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8');
    // Declared without a default because it depends on another key (oracle-options.ts, auth-options.ts).
    const derived: Record<string, string> = {
      ORACLE_POOL_MAX: '`ORACLE_POOL_MIN`',
      AUTH_JWT_ALGORITHMS: '`HS256` / `RS256,ES256`',
    };
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    for (const [key, row] of Object.entries(keyTable())) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${key}\``)) ?? '';
      const shown = line.split('|')[2]?.trim();
      const declared = derived[key] ?? (row.default === undefined ? 'unset' : `\`${row.default}\``);
      expect({ key, shown }).toEqual({ key, shown: declared });
      if (row.default !== undefined) {
        expect(example).toMatch(new RegExp(`^#? ?${key}=${escape(row.default)}$`, 'm'));
      }
    }
  });
});

describe('CORS configuration', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ AUTH_MODE: 'none', ...env });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  test('when CORS_ALLOWED_ORIGINS is unset or empty, then CORS is off', () => {
    expect(loadConfig({ AUTH_MODE: 'none' }).cors).toBeUndefined();
    expect(loadConfig({ AUTH_MODE: 'none', CORS_ALLOWED_ORIGINS: '' }).cors).toBeUndefined();
    expect(loadConfig({ AUTH_MODE: 'none', CORS_ALLOWED_ORIGINS: ' , ' }).cors).toBeUndefined();
  });

  test('when origins are listed, then they are kept as given, without duplicates, with the defaults', () => {
    const c = loadConfig({
      AUTH_MODE: 'none',
      CORS_ALLOWED_ORIGINS:
        'https://app.example.com, http://localhost:3000,https://app.example.com,http://[::1]:8080',
    });
    expect(c.cors).toEqual({
      allowedOrigins: ['https://app.example.com', 'http://localhost:3000', 'http://[::1]:8080'],
      allowCredentials: false,
      maxAgeSeconds: 600,
    });
    const d = loadConfig({
      AUTH_MODE: 'none',
      CORS_ALLOWED_ORIGINS: 'https://app.example.com',
      CORS_ALLOW_CREDENTIALS: 'true',
      CORS_MAX_AGE_SECONDS: '0',
    });
    expect(d.cors).toMatchObject({ allowCredentials: true, maxAgeSeconds: 0 });
  });

  test.each([
    ['https://app.example.com/', 'trailing slash'],
    ['https://app.example.com/app', 'path'],
    ['https://app.example.com?x=1', 'query'],
    ['https://user@app.example.com', 'user'],
    ['https://App.Example.com', 'written as browsers send it: https://app.example.com'],
    ['https://app.example.com:443', 'written as browsers send it: https://app.example.com'],
    ['app.example.com', 'not an origin'],
    ['ftp://files.example.com', 'not an http:// or https:// origin'],
    ['https://*.example.com', 'wildcard'],
    ['null', 'opaque origin'],
  ])('when an origin is %s, then the start is refused naming CORS_ALLOWED_ORIGINS', (origin, why) => {
    const problems = problemsOf({ CORS_ALLOWED_ORIGINS: `https://ok.example.com,${origin}` });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CORS_ALLOWED_ORIGINS: /);
    expect(problems[0]).toContain(why);
  });

  test('when * is used, then only alone, without credentials and outside production', () => {
    expect(loadConfig({ AUTH_MODE: 'none', CORS_ALLOWED_ORIGINS: '*' }).cors?.allowedOrigins).toEqual(['*']);
    expect(problemsOf({ CORS_ALLOWED_ORIGINS: '*,https://app.example.com' })).toEqual([
      'CORS_ALLOWED_ORIGINS: * stands alone; it cannot be listed with other origins',
    ]);
    expect(problemsOf({ CORS_ALLOWED_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' })).toEqual([
      'CORS_ALLOWED_ORIGINS: * cannot be used with CORS_ALLOW_CREDENTIALS=true; list the origins',
    ]);
    const production = {
      NODE_ENV: 'production',
      AUTH_MODE: 'required',
      // Production refuses guessable secrets (32 identical characters among them).
      AUTH_JWT_SECRET: '9f4c1e7ab2d85063f1e9c47a0b6d3825',
      CURSOR_SECRET: 'e27b94d0c5f1a8364b0e9d72c1f5a368',
    };
    expect(problemsOf({ ...production, CORS_ALLOWED_ORIGINS: '*' })).toEqual([
      'CORS_ALLOWED_ORIGINS: * is refused when NODE_ENV=production; list the origins',
    ]);
    expect(
      loadConfig({ ...production, CORS_ALLOWED_ORIGINS: 'https://app.example.com' }).cors?.allowedOrigins,
    ).toEqual(['https://app.example.com']);
  });

  test('when the flag or the max age are bad, then their keys are named', () => {
    const problems = problemsOf({
      CORS_ALLOWED_ORIGINS: 'https://app.example.com',
      CORS_ALLOW_CREDENTIALS: 'maybe',
      CORS_MAX_AGE_SECONDS: '100000',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['CORS_ALLOW_CREDENTIALS', 'CORS_MAX_AGE_SECONDS']);
  });

  test('when a tool serves no requests, then CORS settings are not checked', () => {
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: 'nonsense' }, { serving: false })).not.toThrow();
  });
});

describe('WORKERS', () => {
  const server = { AUTH_MODE: 'none', DATABASE_URL: 'postgres://u@h:5432/db' };

  test('when unset, then one process (make run)', () => {
    expect(loadConfig({ AUTH_MODE: 'none' }).workers).toBe(1);
    expect(loadConfig(server).workers).toBe(1);
  });

  test('when 0 with a database server, then one worker per core this process may use', () => {
    expect(loadConfig({ ...server, WORKERS: '0' }).workers).toBe(availableParallelism());
    expect(
      loadConfig({
        AUTH_MODE: 'none',
        ORACLE_CONNECT_STRING: 'db/x',
        ORACLE_USER: 'u',
        ORACLE_PASSWORD: 'p',
        WORKERS: '0',
      }).workers,
    ).toBe(availableParallelism());
  });

  test('when 0 with the embedded database, then one process (PGlite is one process)', () => {
    expect(loadConfig({ AUTH_MODE: 'none', WORKERS: '0' }).workers).toBe(1);
  });

  test('when 0, then the cores are counted, at least 1 and at most 64', () => {
    const v = { WORKERS: 0, DATABASE_URL: 'postgres://u@h/db' } as Parameters<typeof workerCount>[0];
    expect(workerCount(v, () => 1)).toBe(1);
    expect(workerCount(v, () => 6)).toBe(6);
    expect(workerCount(v, () => 200)).toBe(64);
    expect(workerCount({ ...v, WORKERS: 3 }, () => 6)).toBe(3);
  });

  test('when negative or above 1 without a database server, then the start is refused naming WORKERS', () => {
    for (const env of [
      { ...server, WORKERS: '-1' },
      { AUTH_MODE: 'none', WORKERS: '2' },
      { ...server, WORKERS: 'auto' },
    ]) {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['WORKERS']);
    }
  });
});
