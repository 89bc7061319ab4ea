/**
 * The storage on Oracle Database (node-oracledb Thin): one statement catalog (sql/oracle/queries)
 * for the repository, the idempotency store and the migration runner. Oracle makes the monthly
 * partitions of records itself (INTERVAL partitioning), so there is no partition maintenance.
 */
import type { Config } from '../../config/config.js';
import type { Storage, StorageLogger } from '../storage.js';
import { OracleDatabase } from './oracle-database.js';
import { OracleIdempotencyStore } from './oracle-idempotency-store.js';
import { migrateOracle } from './oracle-migrations.js';
import { OracleRecordsRepository } from './oracle-records-repository.js';
import { oracleCatalog, type OracleSqlCatalog } from './oracle-sql.js';

/** The storage over an open pool (tests build it over theirs); closing it closes db. */
export function oracleStorage(db: OracleDatabase, catalog: OracleSqlCatalog = oracleCatalog()): Storage {
  const storage: Storage = {
    kind: 'oracle',
    records: new OracleRecordsRepository(db, catalog),
    idempotency: new OracleIdempotencyStore(db, catalog),
    ping: () => db.ping(),
    poolStats: () => db.poolStats(),
    // OracleDatabase has no statement wrapper yet: Oracle is not traced.
    instrument: () => storage,
    close: () => db.close(),
  };
  return storage;
}

/** Oracle at ORACLE_CONNECT_STRING, migrated when MIGRATE_ON_START. */
export async function openOracleStorage(config: Readonly<Config>, logger: StorageLogger): Promise<Storage> {
  if (!config.oracle) throw new Error('ORACLE_CONNECT_STRING is not set');
  const db = await OracleDatabase.open(config.oracle);
  logger.info({ database: db.kind, location: 'ORACLE_CONNECT_STRING' }, 'database selected');
  const catalog = oracleCatalog();
  if (config.migrateOnStart) {
    const applied = await migrateOracle(db, undefined, { catalog });
    logger.info({ applied }, 'migrations up to date');
  }
  return oracleStorage(db, catalog);
}
