/**
 * Oracle Database through node-oracledb in Thin mode (pure JavaScript, no Instant Client): one
 * pool, a call timeout on every connection, mapped errors, a readiness ping and a drain on close.
 */
import { createRequire } from 'node:module';
import type { OracleOptions } from '../../config/oracle-options.js';
import { AppError } from '../../domain/errors.js';
import { isDriverError, mapOracleError, oracleUnavailable, sessionIsSuspect } from './oracle-errors.js';
import type { OracleStatement } from './oracle-sql.js';

/** A node-oracledb DbType constant (DB_TYPE_RAW, ...); opaque here. */
export type OracleDbType = object;

export interface OracleBind {
  val?: unknown;
  type?: OracleDbType;
  dir?: number;
  maxSize?: number;
  maxArraySize?: number;
}
export type OracleBinds = Record<string, OracleBind>;

export interface OracleExecuteOptions {
  autoCommit?: boolean;
  fetchArraySize?: number;
  prefetchRows?: number;
  /** Per column (upper-case name): fetch as this type instead, e.g. a BLOB as DB_TYPE_RAW bytes. */
  fetchInfo?: Record<string, { type: OracleDbType }>;
}

export interface OracleResult<R> {
  rows?: R[];
  outBinds?: Record<string, unknown>;
  rowsAffected?: number;
}

/** The part of a node-oracledb Connection used here (the package ships no TypeScript types). */
export interface OracleConnection {
  callTimeout: number;
  execute<R>(sql: string, binds: OracleBinds, options: Record<string, unknown>): Promise<OracleResult<R>>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  ping(): Promise<void>;
  close(options?: { drop?: boolean }): Promise<void>;
}

/** What pool.getStatistics() returns when the pool has enableStatistics (else null). */
interface OraclePoolStatistics {
  /** Requests waiting in the pool's queue for a free session now. */
  readonly currentQueueLength: number;
}

interface OraclePool {
  readonly connectionsOpen: number;
  readonly connectionsInUse: number;
  readonly poolMax: number;
  getStatistics(): OraclePoolStatistics | null;
  getConnection(): Promise<OracleConnection>;
  close(drainSeconds?: number): Promise<void>;
}

/** The node-oracledb module, as far as this service uses it. */
export interface OracleDriver {
  readonly thin: boolean;
  readonly BIND_IN: number;
  readonly BIND_INOUT: number;
  readonly BIND_OUT: number;
  readonly OUT_FORMAT_OBJECT: number;
  readonly DB_TYPE_RAW: OracleDbType;
  readonly DB_TYPE_VARCHAR: OracleDbType;
  readonly DB_TYPE_NUMBER: OracleDbType;
  readonly DB_TYPE_JSON: OracleDbType;
  readonly DB_TYPE_TIMESTAMP_TZ: OracleDbType;
  readonly DB_TYPE_BLOB: OracleDbType;
  createPool(attributes: Record<string, unknown>): Promise<OraclePool>;
}

let driver: OracleDriver | undefined;

/**
 * node-oracledb, loaded on first use: requiring it takes about a quarter of a second, which a
 * process on PostgreSQL should not pay. It is CommonJS without type declarations, hence require
 * and the interface above. Loading opens nothing; Thin mode is the default (no initOracleClient).
 */
export function oracledb(): OracleDriver {
  driver ??= createRequire(import.meta.url)('oracledb') as OracleDriver;
  return driver;
}

/** The pool attributes handed to oracledb().createPool; exported for tests. */
export function poolAttributes(options: OracleOptions): Record<string, unknown> {
  return {
    user: options.user,
    password: options.password,
    connectString: options.connectString,
    poolMin: options.poolMin,
    poolMax: options.poolMax,
    poolIncrement: options.poolIncrement,
    queueTimeout: options.queueTimeoutMs,
    stmtCacheSize: options.stmtCacheSize,
    poolPingInterval: options.poolPingInterval,
    // Sessions above poolMin close after 60 s idle. By default there are none: poolMin and
    // poolMax are equal (a fixed-size pool, against connection storms; docs/oracle.md).
    poolTimeout: 60,
    // For the metrics: getStatistics() (the queue length) answers null without it.
    enableStatistics: true,
    // Keeps idle sessions alive through firewalls that drop quiet TCP connections (minutes).
    expireTime: 2,
  };
}

/** Runs statements on one session: what the repository and the migrations need. */
export interface OracleExecutor {
  execute<R>(
    stmt: OracleStatement,
    binds?: OracleBinds,
    options?: OracleExecuteOptions,
  ): Promise<OracleResult<R>>;
}

function executor(conn: OracleConnection): OracleExecutor {
  return {
    async execute<R>(stmt: OracleStatement, binds: OracleBinds = {}, options: OracleExecuteOptions = {}) {
      try {
        return await conn.execute<R>(stmt.text, binds, { outFormat: oracledb().OUT_FORMAT_OBJECT, ...options });
      } catch (err) {
        throw mapOracleError(err);
      }
    },
  };
}

export class OracleDatabase {
  readonly kind = 'oracle' as const;

  /** Sessions of the pool by state, and the requests queued for one, for the metrics. */
  poolStats(): { active: number; idle: number; waiting: number; max: number } {
    const open = this.pool.connectionsOpen;
    const inUse = this.pool.connectionsInUse;
    let waiting = 0;
    try {
      waiting = this.pool.getStatistics()?.currentQueueLength ?? 0;
    } catch {
      // A closed pool refuses getStatistics (NJS-065); a scrape during shutdown reads 0.
    }
    return { active: inUse, idle: Math.max(0, open - inUse), waiting, max: this.pool.poolMax };
  }


  /** When a pooled call last succeeded: readiness counts it instead of queueing for a session. */
  private lastSuccess = 0;

  private constructor(
    private readonly pool: OraclePool,
    private readonly callTimeoutMs: number,
    /** The longest round trip of a bulk insert chunk (ORACLE_BULK_CALL_TIMEOUT_MS). */
    readonly bulkCallTimeoutMs: number,
  ) {}

  /**
   * Creates the pool. In Thin mode this resolves at once and opens poolMin sessions in the
   * background, so it does not prove Oracle is reachable: the first statement (migrations, at
   * start) or ping() does, failing with 503 when it is not (500 when it refuses the account).
   */
  static async open(options: OracleOptions): Promise<OracleDatabase> {
    let pool: OraclePool;
    try {
      pool = await oracledb().createPool(poolAttributes(options));
    } catch (err) {
      throw oracleUnavailable(err);
    }
    return new OracleDatabase(pool, options.callTimeoutMs, options.bulkCallTimeoutMs);
  }

  /**
   * Runs fn on one pooled session and gives it back. A failure rolls back what fn did not
   * commit; a session that lost its server or timed out is dropped instead of reused. Each round
   * trip may take callTimeoutMs (ORACLE_CALL_TIMEOUT_MS unless told otherwise).
   */
  async withConnection<T>(
    fn: (conn: OracleConnection, exec: OracleExecutor) => Promise<T>,
    options: { callTimeoutMs?: number } = {},
  ): Promise<T> {
    let conn: OracleConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw oracleUnavailable(err);
    }
    conn.callTimeout = options.callTimeoutMs ?? this.callTimeoutMs;
    let drop = false;
    try {
      const result = await fn(conn, executor(conn));
      this.lastSuccess = Date.now();
      return result;
    } catch (err) {
      // Driver errors become AppErrors; errors of our own code (AppError, Error) pass unchanged.
      const mapped = isDriverError(err) ? mapOracleError(err) : err;
      drop = mapped instanceof AppError && sessionIsSuspect(mapped);
      if (!drop) await conn.rollback().catch(() => undefined);
      throw mapped;
    } finally {
      await conn.close(drop ? { drop: true } : undefined).catch(() => undefined);
    }
  }

  /** One statement on its own session. */
  execute<R>(stmt: OracleStatement, binds?: OracleBinds, options?: OracleExecuteOptions): Promise<OracleResult<R>> {
    return this.withConnection((_conn, exec) => exec.execute<R>(stmt, binds, options));
  }

  /**
   * Resolves when a pooled call succeeded in the last 2 s (a busy pool is not a down database:
   * readiness must not queue behind the requests), else when a pooled session answers a round trip.
   */
  async ping(): Promise<void> {
    if (Date.now() - this.lastSuccess < 2000) return;
    await this.withConnection(async (conn) => {
      try {
        await conn.ping();
      } catch (err) {
        throw mapOracleError(err);
      }
    });
  }

  /**
   * Closes the pool. Sessions still checked out get drainSeconds to come back; after that, or
   * at once when none is out, every session is closed.
   */
  async close(drainSeconds = 10): Promise<void> {
    await this.pool.close(drainSeconds);
  }
}
