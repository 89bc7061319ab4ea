/** Chooses the database from the configuration and brings its schema up to date. */
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { POSTGRES_MIGRATIONS_DIR } from '../config/paths.js';
import type { Database } from './database.js';
import type { OracleDatabase } from './oracle/oracle-database.js';
import { loadMigrations, migrate } from './migrations.js';

/** PostgreSQL or PGlite (kind 'postgres' | 'pglite'), or Oracle Database (kind 'oracle'). */
export type AnyDatabase = Database | OracleDatabase;

/** Oracle when ORACLE_CONNECT_STRING is set; node-oracledb is loaded only then. */
async function openOracle(config: Readonly<Config>, logger: Logger): Promise<OracleDatabase> {
  const { OracleDatabase } = await import('./oracle/oracle-database.js');
  const { migrateOracle } = await import('./oracle/oracle-migrations.js');
  const db = await OracleDatabase.open(config.oracle!);
  logger.info({ database: db.kind, location: 'ORACLE_CONNECT_STRING' }, 'database selected');
  if (config.migrateOnStart) {
    const applied = await migrateOracle(db);
    logger.info({ applied }, 'migrations up to date');
  }
  return db;
}

export async function openDatabase(config: Readonly<Config>, logger: Logger): Promise<AnyDatabase> {
  if (config.oracle) return openOracle(config, logger);
  // Each driver is loaded only when chosen: loading PGlite (WebAssembly) or pg costs start-up time.
  const db = config.databaseUrl
    ? (await import('./postgres.js')).createPostgres({
        url: config.databaseUrl,
        schema: config.databaseSchema,
        poolMax: config.dbPoolMax,
        connectTimeoutMs: config.dbConnectTimeoutMs,
        statementTimeoutMs: config.dbStatementTimeoutMs,
      })
    : await (await import('./pglite.js')).createPglite(config.pgliteDataDir, config.databaseSchema);
  logger.info(
    { database: db.kind, location: config.databaseUrl ? 'DATABASE_URL' : config.pgliteDataDir },
    'database selected',
  );
  if (config.migrateOnStart) {
    const applied = await migrate(db, config.databaseSchema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
    logger.info({ applied }, 'migrations up to date');
  }
  if (config.partitions.maintainSeconds === 0) return db;
  // Monthly partitions of records (docs/partitioning.md): one query when nothing is due. Not
  // awaited: the months ahead already exist (migration 0003 and every run make PREMAKE_MONTHS of
  // them), so serving does not wait for it; on PGlite its first catalog query costs most of a
  // second of start-up.
  const { schedulePartitionMaintenance } = await import('./partitions.js');
  const maintenance = schedulePartitionMaintenance(db, config.partitions, logger);
  return {
    ...db,
    async close() {
      maintenance.stop();
      await maintenance.first;
      return db.close();
    },
  };
}
