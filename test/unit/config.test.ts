import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/paths.js';

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
});
