/**
 * How a PostgreSQL connection gets its session settings (statement_timeout, search_path,
 * plan_cache_mode) and whether statements are prepared by name, with or without a pooler in front
 * (DB_POOLER, DB_POOLER_SETTINGS; docs/kubernetes-deployment.md#pgbouncer).
 *
 * Direct (or a session-mode pooler): start-up parameters, named statements. A transaction-mode
 * pooler hands each transaction to any server connection: PgBouncer before 1.20 refuses unknown
 * start-up parameters (`options`, `statement_timeout`), and before 1.21 it does not carry a named
 * statement from the server connection that prepared it to the next one, so the settings come
 * per transaction (SET LOCAL) or from the role, and statements go unnamed.
 */
import pg from 'pg';

export type PoolerMode = 'none' | 'transaction' | 'transaction-prepared';
export type PoolerSettings = 'set-local' | 'role';

export interface SessionOptions {
  schema: string;
  statementTimeoutMs: number;
  pooler: PoolerMode;
  poolerSettings: PoolerSettings;
}

export interface SessionPlan {
  /** Start-up parameters for pg.Pool (empty behind a transaction-mode pooler). */
  startup: { statement_timeout?: number; options?: string };
  /** Sent with BEGIN in every transaction; set: every statement runs in a transaction of its own. */
  setLocal: string | undefined;
  /** Named statements: parsed once per server connection. */
  named: boolean;
}

// Generic plans: each named statement is planned once per connection. Planning a query over
// the monthly partitions costs more than running it (2.4 ms against 0.7 ms for a first page
// over 28 partitions, docs/partitioning.md); a generic plan prunes the partitions outside
// its bounds when it starts. The statements are written for it: no optional conditions.
const PLAN_CACHE_MODE = 'force_generic_plan';

export function sessionPlan(o: SessionOptions): SessionPlan {
  if (o.pooler === 'none') {
    return {
      startup: {
        statement_timeout: o.statementTimeoutMs,
        options: `-c search_path=${o.schema} -c plan_cache_mode=${PLAN_CACHE_MODE}`,
      },
      setLocal: undefined,
      named: true,
    };
  }
  return {
    startup: {},
    // The schema is an unquoted identifier (checked by the configuration), as in the start-up
    // options: both fold it to lower case the same way.
    setLocal:
      o.poolerSettings === 'set-local'
        ? `SET LOCAL statement_timeout = ${o.statementTimeoutMs}; SET LOCAL search_path = ${o.schema}; ` +
          `SET LOCAL plan_cache_mode = ${PLAN_CACHE_MODE}`
        : undefined,
    named: o.pooler === 'transaction-prepared',
  };
}

/**
 * DB_POOLER_SETTINGS=role: the settings must come from the role (ALTER ROLE ... SET), since the
 * service sends none. Resolves with what differs, each with the statement that fixes it.
 */
export async function roleSettingsProblems(client: pg.ClientBase, o: SessionOptions): Promise<string[]> {
  const { rows } = await client.query<{ name: string; setting: string; user: string }>(
    `SELECT name, setting, current_user AS user FROM pg_settings
      WHERE name IN ('statement_timeout', 'search_path', 'plan_cache_mode')`,
  );
  const setting = new Map(rows.map((r) => [r.name, r.setting]));
  const role = rows[0]?.user ?? 'the role';
  const problems: string[] = [];
  // pg_settings shows statement_timeout in milliseconds.
  if (setting.get('statement_timeout') !== String(o.statementTimeoutMs)) {
    problems.push(
      `statement_timeout is ${setting.get('statement_timeout')} ms, DB_STATEMENT_TIMEOUT_MS is ${o.statementTimeoutMs}: ` +
        `ALTER ROLE ${role} SET statement_timeout = ${o.statementTimeoutMs}`,
    );
  }
  const first = (setting.get('search_path') ?? '').split(',')[0]?.trim().replace(/^"|"$/g, '');
  if (first !== o.schema.toLowerCase()) {
    problems.push(
      `search_path is "${setting.get('search_path')}", DATABASE_SCHEMA is ${o.schema}: ALTER ROLE ${role} SET search_path = ${o.schema}`,
    );
  }
  if (setting.get('plan_cache_mode') !== PLAN_CACHE_MODE) {
    problems.push(
      `plan_cache_mode is ${setting.get('plan_cache_mode')}: ALTER ROLE ${role} SET plan_cache_mode = ${PLAN_CACHE_MODE}`,
    );
  }
  return problems;
}
