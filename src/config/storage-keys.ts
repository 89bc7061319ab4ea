/** Keys of the database: PostgreSQL or the embedded PGlite, Oracle, migrations and partitions. */
import { flag, integer, oneOf, text, url } from './key-kinds.js';

export const databaseKeys = {
  DATABASE_URL: url({
    doc: 'postgres://user:pass@host:5432/db for PostgreSQL. Unset: the embedded PGlite database.',
    secret: true,
  }),
  DATABASE_SCHEMA: text({
    default: 'public',
    doc: 'PostgreSQL schema that holds the tables (created when missing).',
  }),
  PGLITE_DATA_DIR: text({
    default: './data/pglite',
    doc: 'Where the embedded database keeps its files; memory:// keeps nothing.',
  }),
  // Small: each process holds this many, times WORKERS, times the pods (the chart's budget).
  DB_POOL_MAX: integer({ default: 10, min: 1, max: 1000, doc: 'Most PostgreSQL connections per process.' }),
  DB_CONNECT_TIMEOUT_MS: integer({
    default: 5000,
    min: 100,
    max: 600000,
    doc: 'Time allowed to open a connection or wait for a free one before answering 503.',
  }),
  DB_STATEMENT_TIMEOUT_MS: integer({
    default: 5000,
    min: 100,
    max: 600000,
    doc: 'Longest a statement may run before it is cancelled and the request answers 504.',
  }),
  DB_POOLER: oneOf(['none', 'transaction', 'transaction-prepared'], {
    default: 'none',
    doc: 'What stands between the service and PostgreSQL: none (or a session-mode pooler): start-up parameters and named statements; transaction: a transaction-mode pooler that tracks no prepared statements (PgBouncer before 1.21): no start-up parameters, unnamed statements; transaction-prepared: one that tracks them (PgBouncer 1.21+ with max_prepared_statements): no start-up parameters, named statements.',
  }),
  DB_POOLER_SETTINGS: oneOf(['set-local', 'role'], {
    default: 'set-local',
    doc: 'Behind a transaction-mode pooler, where statement_timeout, search_path and plan_cache_mode come from: set-local: SET LOCAL in a transaction around every statement; role: the role (ALTER ROLE ... SET), checked at start.',
  }),
};

/** Read together by oracle-options.ts, also on their own (oracleOptionsFromEnv). */
export const oracleKeys = {
  ORACLE_CONNECT_STRING: text({
    doc: 'Oracle Database 23ai Easy Connect string (host:1521/FREEPDB1) or TNS alias. Set: Oracle is the database (leave DATABASE_URL unset).',
  }),
  ORACLE_USER: text({
    doc: 'Oracle schema user that owns the tables; required with ORACLE_CONNECT_STRING.',
  }),
  ORACLE_PASSWORD: text({
    doc: 'Password of ORACLE_USER; required with ORACLE_CONNECT_STRING.',
    secret: true,
  }),
  ORACLE_POOL_MIN: integer({ default: 10, min: 0, max: 10000, doc: 'Oracle sessions kept open.' }),
  // No default here: unset, it is ORACLE_POOL_MIN, a fixed-size pool (oracle-options.ts).
  ORACLE_POOL_MAX: integer({
    min: 1,
    max: 10000,
    doc: 'Most Oracle sessions (default ORACLE_POOL_MIN: a fixed-size pool, as the node-oracledb guide recommends).',
  }),
  ORACLE_QUEUE_TIMEOUT_MS: integer({
    default: 5000,
    min: 1,
    max: 600000,
    doc: 'Longest wait for a free Oracle session before answering 503.',
  }),
  ORACLE_CALL_TIMEOUT_MS: integer({
    default: 5000,
    min: 1,
    max: 600000,
    doc: 'Longest Oracle round trip before the request answers 504.',
  }),
  ORACLE_BULK_CALL_TIMEOUT_MS: integer({
    default: 30000,
    min: 1,
    max: 600000,
    doc: 'Longest Oracle round trip of one bulk insert chunk (up to 1000 rows or 2 MiB of payload) before the request answers 504.',
  }),
};

export const migrationKeys = {
  MIGRATE_ON_START: flag({
    default: true,
    doc: 'Apply pending migrations when the server starts (they are idempotent and locked).',
  }),
  MIGRATE_TIMEOUT_MS: integer({
    default: 300000,
    min: 1000,
    max: 86400000,
    doc: 'PostgreSQL: statement_timeout of the migration transaction, the wait for another instance migrating included (not DB_STATEMENT_TIMEOUT_MS).',
  }),
  MIGRATE_LOCK_TIMEOUT_MS: integer({
    default: 5000,
    min: 100,
    max: 3600000,
    doc: 'PostgreSQL: lock_timeout of a migration statement waiting for a table lock held by traffic; past it the migration fails and is retried, rather than queueing every request behind it.',
  }),
  PARTITION_PREMAKE_MONTHS: integer({
    default: 3,
    min: 1,
    max: 120,
    doc: 'PostgreSQL/PGlite: months after the current one that get their records partition ahead of time.',
  }),
  PARTITION_RETENTION_MONTHS: integer({
    default: 0,
    min: 0,
    max: 1200,
    doc: 'Full months before the current one to keep; older monthly partitions are dropped with their records (PostgreSQL, PGlite and Oracle). 0: keep forever.',
  }),
  PARTITION_MAINTAIN_SECONDS: integer({
    default: 3600,
    min: 0,
    max: 86400,
    doc: 'Run the partition maintenance at start and then this often (PostgreSQL, PGlite; on Oracle the retention). 0: never in the server (run the partitions job instead).',
  }),
};
