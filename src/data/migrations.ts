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
import { postgresCatalog, type SqlCatalog } from './sql-catalog.js';
import { fillSlots } from './sql-loader.js';

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

/** The runner's statements, in sql/postgres/queries/migrations.sql. */
export const MIGRATION_STATEMENTS = [
  'createMigrationsTable',
  'migrationStatementTimeout',
  'migrationLockTimeout',
  'migrationLock',
  'appliedMigrations',
  'recordMigration',
] as const;

/** MIGRATE_TIMEOUT_MS and MIGRATE_LOCK_TIMEOUT_MS (their defaults when not given). */
export interface MigrationTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

const DEFAULT_TIMEOUTS: MigrationTimeouts = { statementTimeoutMs: 300_000, lockTimeoutMs: 5000 };

/** Applies what is pending; returns the versions applied now. */
export async function migrate(
  db: Database,
  schema: string,
  migrations: Migration[],
  catalog: SqlCatalog = postgresCatalog(),
  timeouts: MigrationTimeouts = DEFAULT_TIMEOUTS,
): Promise<string[]> {
  const sql = (name: (typeof MIGRATION_STATEMENTS)[number]) => catalog.get(name);
  return db.transaction(async (tx) => {
    await tx.query(sql('migrationStatementTimeout'), { timeout_ms: String(timeouts.statementTimeoutMs) });
    // The lock comes first: CREATE ... IF NOT EXISTS is not safe against a concurrent create.
    await tx.query(sql('migrationLock'));
    await tx.query(sql('migrationLockTimeout'), { timeout_ms: String(timeouts.lockTimeoutMs) });
    await tx.exec(fillSlots(sql('createMigrationsTable'), { schema }));
    const applied = new Map(
      (await tx.query<{ version: string; checksum: string }>(sql('appliedMigrations'))).map((r) => [
        r.version,
        r.checksum,
      ]),
    );
    const done: string[] = [];
    for (const m of migrations) {
      const seen = applied.get(m.version);
      if (seen !== undefined) {
        if (seen !== m.checksum) throw new Error(`migration ${m.version} changed after it was applied`);
        continue;
      }
      await tx.exec(m.sql);
      await tx.query(sql('recordMigration'), { version: m.version, checksum: m.checksum });
      done.push(m.version);
    }
    return done;
  });
}
