/**
 * What the PostgreSQL adapters need from a SQL database, whichever engine serves it (a pg pool or
 * the embedded PGlite). Oracle has its own (oracle/oracle-database.ts); both sit behind Storage.
 */
import { bindParams, type Statement } from './sql-catalog.js';

export interface Queryable {
  /** Runs one named statement with named values and returns its rows. */
  query<R>(stmt: Statement, values?: Record<string, unknown>): Promise<R[]>;
  /** Runs a script of statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** Connections of a pool by state. */
export interface PoolStats {
  active: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Connections of the pool by state, for the metrics (absent for the embedded database). */
  poolStats?(): PoolStats;
  /**
   * While callers wait for a connection, how long the last one handed out had waited for it
   * (the queue's delay, measured at its head); 0 when nobody waits. Absent without a pool.
   */
  queueDelayMs?(): number;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Rejects when the session settings the configuration needs are not in force (a pooler's role). */
  checkSession?(): Promise<void>;
  close(): Promise<void>;
}

/** Positional values for a statement. */
export function positional(stmt: Statement, values: Record<string, unknown> = {}): unknown[] {
  return bindParams(stmt, values);
}
