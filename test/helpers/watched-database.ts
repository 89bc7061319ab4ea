/** A Database that counts the statements it runs, by name, and fails one when told to. */
import type { Database } from '../../src/data/database.js';
import type { Statement } from '../../src/data/sql-catalog.js';

export interface WatchedDatabase {
  db: Database;
  /** How many times the named statement ran. */
  runs(name: string): number;
  /** Makes the nth run of the named statement from now on throw. */
  failOn(name: string, nth: number): void;
}

export function watched(db: Database): WatchedDatabase {
  const counts = new Map<string, number>();
  let failing: { name: string; nth: number } | undefined;
  const wrapped: Database = Object.create(db) as Database;
  wrapped.query = async <R>(stmt: Statement, values?: Record<string, unknown>): Promise<R[]> => {
    const n = (counts.get(stmt.name) ?? 0) + 1;
    counts.set(stmt.name, n);
    if (failing && failing.name === stmt.name && n === failing.nth) throw new Error('injected failure');
    return db.query<R>(stmt, values);
  };
  return {
    db: wrapped,
    runs: (name) => counts.get(name) ?? 0,
    failOn: (name, nth) => {
      failing = { name, nth: (counts.get(name) ?? 0) + nth };
    },
  };
}
