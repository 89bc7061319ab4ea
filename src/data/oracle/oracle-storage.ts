/**
 * The storage on Oracle Database (node-oracledb Thin): one statement catalog (sql/oracle/queries)
 * for the repository, the idempotency store, the retention and the migration runner. Oracle makes
 * the monthly partitions of records itself (INTERVAL partitioning); the storage's partition
 * maintenance is the retention only (oracle-partitions.ts).
 */
import type { Config } from '../../config/config.js';
import { AppError } from '../../domain/errors.js';
import type { Storage, StorageLogger } from '../storage.js';
import { OracleDatabase } from './oracle-database.js';
import { credentialRefusal } from './oracle-errors.js';
import { OracleIdempotencyStore } from './oracle-idempotency-store.js';
import { migrateOracle } from './oracle-migrations.js';
import { oraclePartitions } from './oracle-partitions.js';
import { OracleRecordsRepository } from './oracle-records-repository.js';
import { oracleCatalog, type OracleSqlCatalog } from './oracle-sql.js';

/**
 * The readiness ping. A refused account (ORA-01017, ORA-28000, ORA-28001) is not an outage to
 * wait out: /ready answers not ready with that reason (notReady carries it to the readiness check).
 */
async function ping(db: OracleDatabase): Promise<void> {
  try {
    await db.ping();
  } catch (err) {
    const refusal = credentialRefusal(err);
    if (refusal === undefined) throw err;
    throw new AppError('notReady', { detail: `the database refused the account (${refusal})`, cause: err });
  }
}

/** The storage over an open pool (tests build it over theirs); closing it closes db. */
export function oracleStorage(db: OracleDatabase, catalog: OracleSqlCatalog = oracleCatalog()): Storage {
  const storage: Storage = {
    kind: 'oracle',
    records: new OracleRecordsRepository(db, catalog),
    idempotency: new OracleIdempotencyStore(db, catalog),
    partitions: oraclePartitions(db, catalog),
    ping: () => ping(db),
    poolStats: () => db.poolStats(),
    // OracleDatabase has no statement wrapper yet: Oracle is not traced.
    instrument: () => storage,
    close: () => db.close(),
  };
  return storage;
}

/**
 * One round trip at start. A refused account stops the start, whatever MIGRATE_ON_START says;
 * an Oracle that does not answer yet does not (the migrations, when on, fail then; /ready tells).
 */
export async function probeOracle(db: OracleDatabase, logger: StorageLogger): Promise<void> {
  try {
    await db.ping();
  } catch (err) {
    const refusal = credentialRefusal(err);
    if (refusal !== undefined) {
      await db.close(0).catch(() => undefined);
      throw new Error(`Oracle refused ORACLE_USER (${refusal}): check ORACLE_USER and ORACLE_PASSWORD`, {
        cause: err,
      });
    }
    logger.warn({ err: err instanceof AppError && err.cause ? err.cause : err }, 'Oracle did not answer at start');
  }
}

/** Oracle at ORACLE_CONNECT_STRING, checked and migrated when MIGRATE_ON_START. */
export async function openOracleStorage(config: Readonly<Config>, logger: StorageLogger): Promise<Storage> {
  if (!config.oracle) throw new Error('ORACLE_CONNECT_STRING is not set');
  const db = await OracleDatabase.open(config.oracle);
  logger.info({ database: db.kind, location: 'ORACLE_CONNECT_STRING' }, 'database selected');
  await probeOracle(db, logger);
  const catalog = oracleCatalog();
  if (config.migrateOnStart) {
    const applied = await migrateOracle(db, undefined, { catalog });
    logger.info({ applied }, 'migrations up to date');
  }
  return oracleStorage(db, catalog);
}
