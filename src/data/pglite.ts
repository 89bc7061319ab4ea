/**
 * The embedded default: PGlite, PostgreSQL compiled to WebAssembly, in process. The same SQL
 * files run on it. It serves one query at a time, which is plenty for a developer's machine.
 */
import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.js';
import { positional } from './database.js';
import { mapPgError, mapTransactionError } from './pg-errors.js';
import type { Statement } from './sql-catalog.js';

function queryable(target: PGlite | Transaction): Queryable {
  return {
    async query<R>(stmt: Statement, values?: Record<string, unknown>): Promise<R[]> {
      try {
        const res = await target.query<R>(stmt.text, positional(stmt, values));
        return res.rows;
      } catch (err) {
        throw mapPgError(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await target.exec(script);
      } catch (err) {
        throw mapPgError(err);
      }
    },
  };
}

/** Opens (and creates when missing) the embedded database at dataDir; memory:// keeps nothing. */
export async function createPglite(dataDir: string, schema: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  // PGlite is the only WebAssembly in the process. V8's optimizing tier compiles its hot
  // functions on other threads as it starts, which on two cores competes with the start itself;
  // the baseline compiler alone started it in 0.76 s instead of 0.9 s, with half the CPU, and
  // ran 3,000 inserts and 3,000 list queries as fast (docs/architecture.md, "Start-up").
  setFlagsFromString('--liftoff-only');
  const db = await PGlite.create(dataDir);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  const direct = queryable(db);
  return {
    kind: 'pglite',
    query: direct.query,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((tx) => fn(queryable(tx)));
      } catch (err) {
        throw mapTransactionError(err);
      }
    },
    exec: direct.exec,
    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
    close(): Promise<void> {
      return db.close();
    },
  };
}
