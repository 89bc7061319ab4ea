/**
 * Real databases for tests: the embedded PGlite (in memory) and the PostgreSQL server at
 * TEST_DATABASE_URL, each test file in a schema of its own so files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/data/database.js';
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { createPglite } from '../../src/data/pglite.js';
import { createPostgres } from '../../src/data/postgres.js';
import { POSTGRES_MIGRATIONS_DIR } from '../../src/config/paths.js';

export type BackendKind = 'pglite' | 'postgres';
export const BACKENDS: BackendKind[] = ['pglite', 'postgres'];

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: BackendKind;
  db: Database;
  /** The schema the tables live in (PostgreSQL only; "public" on PGlite). */
  schema: string;
  /** Environment for a server process on the same database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export function uniqueSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Runs SQL on the test server outside the service (fixtures, locks, clean-up). */
export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export async function openTestDatabase(
  kind: BackendKind,
  options: { statementTimeoutMs?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await createPglite('memory://', 'public');
    await migrate(db, 'public', loadMigrations(POSTGRES_MIGRATIONS_DIR));
    return { kind, db, schema: 'public', env: {}, drop: () => db.close() };
  }
  const schema = uniqueSchema();
  const db = createPostgres({
    url: TEST_DATABASE_URL,
    schema,
    poolMax: 10,
    connectTimeoutMs: 5000,
    statementTimeoutMs: options.statementTimeoutMs ?? 5000,
  });
  await migrate(db, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
  return {
    kind,
    db,
    schema,
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    async drop() {
      await db.close();
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}
