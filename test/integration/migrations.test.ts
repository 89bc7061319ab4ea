/** Migrations on the PostgreSQL server: idempotent, safe when instances start together, append-only. */
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { createPostgres } from '../../src/data/postgres.js';
import { POSTGRES_MIGRATIONS_DIR } from '../../src/config/paths.js';
import { adminQuery, TEST_DATABASE_URL, uniqueSchema } from '../helpers/databases.js';

describe('migrations', () => {
  const schema = uniqueSchema();
  const open = () =>
    createPostgres({
      url: TEST_DATABASE_URL,
      schema,
      poolMax: 2,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
    });
  afterAll(async () => {
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('when three instances migrate an empty schema at once, then each migration is applied once', async () => {
    const dbs = [open(), open(), open()];
    const migrations = loadMigrations(POSTGRES_MIGRATIONS_DIR);
    const results = await Promise.all(dbs.map((db) => migrate(db, schema, migrations)));
    expect(results.flat().sort()).toEqual(migrations.map((m) => m.version).sort());
    expect(await migrate(dbs[0]!, schema, migrations)).toEqual([]);
    const applied = await adminQuery(`SELECT version FROM ${schema}.schema_migrations`);
    expect(applied.rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    const index = await adminQuery(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2`,
      [schema, 'records_user_created_idx'],
    );
    expect(index.rows[0].indexdef).toContain('(user_id, created_at DESC, id DESC)');
    await Promise.all(dbs.map((db) => db.close()));
  });

  test('when an applied migration file has changed, then the start is refused', async () => {
    const db = open();
    const changed = loadMigrations(POSTGRES_MIGRATIONS_DIR).map((m, i) =>
      i === 0 ? { ...m, checksum: 'x' } : m,
    );
    await expect(migrate(db, schema, changed)).rejects.toThrow('changed after it was applied');
    await db.close();
  });
});
