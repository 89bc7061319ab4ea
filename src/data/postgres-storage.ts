/**
 * The storage on PostgreSQL (node-postgres pool) or the embedded PGlite: one statement catalog
 * (sql/postgres/queries) for the repository, the idempotency store, the migrations and the
 * partition maintenance.
 */
import type { Config } from '../config/config.js';
import { POSTGRES_MIGRATIONS_DIR } from '../config/paths.js';
import type { Database } from './database.js';
import { PostgresIdempotencyStore } from './idempotency-store.js';
import { loadMigrations, migrate } from './migrations.js';
import { postgresPartitions } from './partitions.js';
import { PostgresRecordsRepository } from './records-repository.js';
import { postgresCatalog, type SqlCatalog } from './sql-catalog.js';
import type { Storage, StorageLogger } from './storage.js';

/** The storage over an open database (tests build it over theirs); closing it closes db. */
export function postgresStorage(db: Database, catalog: SqlCatalog = postgresCatalog()): Storage {
  const partitions = postgresPartitions(db, catalog);
  // Only the repository and the store run on `queries` (wrapped by instrument); the maintenance,
  // the readiness ping and the pool figures use the database as it is.
  const over = (queries: Database): Storage => ({
    kind: db.kind,
    records: new PostgresRecordsRepository(queries, catalog),
    idempotency: new PostgresIdempotencyStore(queries, catalog),
    partitions,
    ping: () => db.ping(),
    poolStats: () => db.poolStats?.(),
    ...(db.queueDelayMs && { queueDelayMs: db.queueDelayMs.bind(db) }),
    instrument: (wrap) => over(wrap(db)),
    close: () => db.close(),
  });
  return over(db);
}

/** PostgreSQL at DATABASE_URL, else PGlite at PGLITE_DATA_DIR; migrated when MIGRATE_ON_START. */
export async function openPostgresStorage(config: Readonly<Config>, logger: StorageLogger): Promise<Storage> {
  // Each driver is loaded only when chosen: loading PGlite (WebAssembly) or pg costs start-up time.
  const db = config.databaseUrl
    ? (await import('./postgres.js')).createPostgres({
        url: config.databaseUrl,
        schema: config.databaseSchema,
        poolMax: config.dbPoolMax,
        connectTimeoutMs: config.dbConnectTimeoutMs,
        statementTimeoutMs: config.dbStatementTimeoutMs,
        pooler: config.dbPooler,
        poolerSettings: config.dbPoolerSettings,
      })
    : await (await import('./pglite.js')).createPglite(config.pgliteDataDir, config.databaseSchema);
  logger.info(
    { database: db.kind, location: config.databaseUrl ? 'DATABASE_URL' : config.pgliteDataDir },
    'database selected',
  );
  const catalog = postgresCatalog();
  await db.checkSession?.();
  if (config.migrateOnStart) {
    const applied = await migrate(db, config.databaseSchema, loadMigrations(POSTGRES_MIGRATIONS_DIR), catalog, {
      statementTimeoutMs: config.migrateTimeoutMs,
      lockTimeoutMs: config.migrateLockTimeoutMs,
    });
    logger.info({ applied }, 'migrations up to date');
  }
  return postgresStorage(db, catalog);
}
