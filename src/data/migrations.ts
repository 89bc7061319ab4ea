/**
 * Versioned migrations from sql/postgres/migrations, applied in file-name order inside one
 * transaction under an advisory lock, so instances starting together apply each file once.
 * A migration already applied whose file has since changed stops the start: migrations are
 * append-only.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database.js';
import { compileStatement } from './sql-catalog.js';

export interface Migration {
  version: string;
  checksum: string;
  sql: string;
}

export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(sql).digest('hex'),
        sql,
      };
    });
}

const LOCK = compileStatement('migrationLock', `SELECT pg_advisory_xact_lock(7271530412) AS locked`);
const APPLIED = compileStatement('appliedMigrations', `SELECT version, checksum FROM schema_migrations`);
const RECORD = compileStatement(
  'recordMigration',
  `INSERT INTO schema_migrations (version, checksum, applied_at) VALUES (:version, :checksum, now())`,
);

/** Applies what is pending; returns the versions applied now. */
export async function migrate(db: Database, schema: string, migrations: Migration[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    // The lock comes first: CREATE ... IF NOT EXISTS is not safe against a concurrent create.
    await tx.query(LOCK);
    await tx.exec(
      `CREATE SCHEMA IF NOT EXISTS ${schema};
       CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL)`,
    );
    const applied = new Map(
      (await tx.query<{ version: string; checksum: string }>(APPLIED)).map((r) => [r.version, r.checksum]),
    );
    const done: string[] = [];
    for (const m of migrations) {
      const seen = applied.get(m.version);
      if (seen !== undefined) {
        if (seen !== m.checksum) throw new Error(`migration ${m.version} changed after it was applied`);
        continue;
      }
      await tx.exec(m.sql);
      await tx.query(RECORD, { version: m.version, checksum: m.checksum });
      done.push(m.version);
    }
    return done;
  });
}
