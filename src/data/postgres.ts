/** PostgreSQL through node-postgres (pg): a pool, statement timeouts, mapped errors. */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Database, Queryable } from './database.js';
import { positional } from './database.js';
import { dropsConnection, mapPgError, mapTransactionError, unavailable } from './pg-errors.js';
import { dedicatedPing, PING_TIMEOUT_MS } from './pg-ping.js';
import { roleSettingsProblems, sessionPlan, type PoolerMode, type PoolerSettings } from './pg-session.js';
import type { Statement } from './sql-catalog.js';

export interface PostgresOptions {
  url: string;
  schema: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** DB_POOLER: a transaction-mode pooler in front (pg-session.ts); default none. */
  pooler?: PoolerMode;
  /** DB_POOLER_SETTINGS; default set-local. */
  poolerSettings?: PoolerSettings;
}

// Keep bigint counts exact as strings (pg's default) but parse nothing else by hand: jsonb
// arrives parsed, timestamptz as Date, integer as number.

function clientQueryable(client: pg.PoolClient, named: boolean): Queryable {
  return {
    async query<R>(stmt: Statement, values?: Record<string, unknown>): Promise<R[]> {
      try {
        // Named: each connection parses a statement once (docs/adr/0002-postgres-driver.md);
        // unnamed behind a pooler that cannot carry them from one server connection to another.
        const res = await client.query({
          ...(named && { name: stmt.name }),
          text: stmt.text,
          values: positional(stmt, values),
        });
        return res.rows as R[];
      } catch (err) {
        throw mapPgError(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await client.query(script);
      } catch (err) {
        throw mapPgError(err);
      }
    },
  };
}

/** Opens a pool; connections are made lazily, so this never touches the network. */
export function createPostgres(options: PostgresOptions): Database {
  const session = { pooler: 'none', poolerSettings: 'set-local', ...options } as const;
  const plan = sessionPlan(session);
  const connection = { connectionString: options.url, application_name: 'data-api', ...plan.startup };
  const pool = new pg.Pool({
    ...connection,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
  });
  // An idle client that loses its server emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  // Readiness on a connection of its own (pg-ping.ts): one more per process than DB_POOL_MAX.
  const readiness = dedicatedPing(connection, Math.min(options.connectTimeoutMs, PING_TIMEOUT_MS));
  const begin = plan.setLocal ? `BEGIN; ${plan.setLocal}` : 'BEGIN';

  // How long the last connection handed out waited for it: the head of the pool's queue.
  let lastWaitMs = 0;
  async function acquire(): Promise<pg.PoolClient> {
    const asked = performance.now();
    try {
      const client = await pool.connect();
      lastWaitMs = performance.now() - asked;
      return client;
    } catch (err) {
      throw unavailable(err);
    }
  }

  async function withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await acquire();
    let broken: Error | undefined;
    try {
      const result = await fn(client);
      readiness.succeeded();
      return result;
    } catch (err) {
      if (dropsConnection(err)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return withClient(async (client) => {
      const tx = clientQueryable(client, plan.named);
      try {
        await client.query(begin);
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw mapTransactionError(err);
      }
    });
  }

  return {
    kind: 'postgres',
    query<R>(stmt: Statement, values?: Record<string, unknown>): Promise<R[]> {
      // Behind a pooler with SET LOCAL: the settings hold only inside a transaction.
      if (plan.setLocal) return transaction((tx) => tx.query<R>(stmt, values));
      return withClient((client) => clientQueryable(client, plan.named).query<R>(stmt, values));
    },
    transaction,
    exec(script: string): Promise<void> {
      if (plan.setLocal) return transaction((tx) => tx.exec(script));
      return withClient((client) => clientQueryable(client, plan.named).exec(script));
    },
    async ping(): Promise<void> {
      try {
        await readiness.ping();
      } catch (err) {
        throw unavailable(err);
      }
    },
    async checkSession(): Promise<void> {
      if (session.pooler === 'none' || session.poolerSettings !== 'role') return;
      const problems = await withClient((client) => roleSettingsProblems(client, session));
      if (problems.length > 0) {
        throw new Error(`DB_POOLER_SETTINGS=role, but the role's settings differ: ${problems.join('; ')}`);
      }
    },
    poolStats() {
      return {
        active: pool.totalCount - pool.idleCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max: options.poolMax,
      };
    },
    queueDelayMs() {
      return pool.waitingCount > 0 ? lastWaitMs : 0;
    },
    async close(): Promise<void> {
      await readiness.close();
      await pool.end();
    },
  };
}
