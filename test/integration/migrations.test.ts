/** Migrations on the PostgreSQL server: idempotent, safe when instances start together, append-only. */
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { createPostgres } from '../../src/data/postgres.js';
import { POSTGRES_MIGRATIONS_DIR } from '../../src/config/paths.js';
import pg from 'pg';
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

describe('migration timeouts (MIGRATE_TIMEOUT_MS, MIGRATE_LOCK_TIMEOUT_MS)', () => {
  const schema = uniqueSchema();
  // The pool's statement timeout is short, as DB_STATEMENT_TIMEOUT_MS is for requests.
  const db = createPostgres({
    url: TEST_DATABASE_URL,
    schema,
    poolMax: 2,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 300,
  });
  const migrations = loadMigrations(POSTGRES_MIGRATIONS_DIR);
  const pgClient = async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    return client;
  };
  afterAll(async () => {
    await db.close();
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('when another instance holds the migration lock past the pool statement timeout, then the migration waits for it', async () => {
    const other = await pgClient();
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(7271530412)');
    const started = Date.now();
    const waiting = migrate(db, schema, migrations, undefined, {
      statementTimeoutMs: 10_000,
      lockTimeoutMs: 500,
    });
    await new Promise((r) => setTimeout(r, 1000));
    await other.query('COMMIT');
    await other.end();
    expect((await waiting).length).toBe(migrations.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test('when traffic holds a lock on a table a migration alters, then the migration gives up after MIGRATE_LOCK_TIMEOUT_MS and applies nothing', async () => {
    const reader = await pgClient();
    await reader.query('BEGIN');
    await reader.query(`SELECT count(*) FROM ${schema}.records`);
    const extra = {
      version: '9999_add_column',
      checksum: 'test',
      sql: 'ALTER TABLE records ADD COLUMN extra integer',
    };
    const started = Date.now();
    try {
      await expect(
        migrate(db, schema, [...migrations, extra], undefined, {
          statementTimeoutMs: 10_000,
          lockTimeoutMs: 500,
        }),
      ).rejects.toMatchObject({ cause: { code: '55P03' } });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    const applied = await adminQuery(
      `SELECT version FROM ${schema}.schema_migrations WHERE version = '9999_add_column'`,
    );
    expect(applied.rows).toEqual([]);
  });
});
