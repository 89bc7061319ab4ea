/** Choosing the database from the configuration, and migrating it on start. */
import { loadConfig } from '../../src/config/config.js';
import { openStorage } from '../../src/data/open-storage.js';
import { createLogger } from '../../src/observability/logger.js';
import { adminQuery, TEST_DATABASE_URL, uniqueSchema } from '../helpers/databases.js';

const logger = createLogger('silent');

describe('openStorage', () => {
  test('when DATABASE_URL is unset, then the embedded PGlite serves, migrated', async () => {
    const db = await openStorage(loadConfig({ PGLITE_DATA_DIR: 'memory://' }, { serving: false }), logger);
    expect(db.kind).toBe('pglite');
    await expect(db.ping()).resolves.toBeUndefined();
    await db.close();
  });

  test('when DATABASE_URL is set, then that PostgreSQL serves, migrated into DATABASE_SCHEMA', async () => {
    const schema = uniqueSchema();
    const db = await openStorage(
      loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema }, { serving: false }),
      logger,
    );
    try {
      expect(db.kind).toBe('postgres');
      const tables = await adminQuery(
        `SELECT c.relname AS tablename, c.relispartition AS partition FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
        [schema],
      );
      expect(tables.rows.filter((r) => !r.partition).map((r) => r.tablename)).toEqual([
        'idempotency_keys',
        'records',
        'schema_migrations',
      ]);
      // records is partitioned by month: this one and PARTITION_PREMAKE_MONTHS (3) ahead.
      expect(tables.rows.filter((r) => r.partition)).toHaveLength(4);
    } finally {
      await db.close();
      await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  test('when MIGRATE_ON_START=false, then nothing is created', async () => {
    const schema = uniqueSchema();
    const db = await openStorage(
      loadConfig(
        { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, MIGRATE_ON_START: 'false' },
        { serving: false },
      ),
      logger,
    );
    await db.close();
    const found = await adminQuery(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    expect(found.rowCount).toBe(0);
  });
});
