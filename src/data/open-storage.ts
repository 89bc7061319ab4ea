/**
 * Chooses the database from the configuration, brings its schema up to date and starts the
 * partition maintenance: ORACLE_CONNECT_STRING → Oracle, DATABASE_URL → PostgreSQL, else the
 * embedded PGlite. Only the chosen dialect's modules and driver are loaded.
 */
import type { Config } from '../config/config.js';
import { AppError } from '../domain/errors.js';
import type { MaintenanceResult, PartitionPolicy } from './partition-plan.js';
import type { PartitionMaintenance, Storage, StorageLogger } from './storage.js';

/** The storage the configuration names, migrated (MIGRATE_ON_START) and maintained. */
export async function openStorage(config: Readonly<Config>, logger: StorageLogger): Promise<Storage> {
  const storage = config.oracle
    ? await (await import('./oracle/oracle-storage.js')).openOracleStorage(config, logger)
    : await (await import('./postgres-storage.js')).openPostgresStorage(config, logger);
  if (!storage.partitions || config.partitions.maintainSeconds === 0) return storage;
  // Monthly partitions of records (docs/partitioning.md): one query when nothing is due. Not
  // awaited: the months ahead already exist (migration 0003 and every run make PREMAKE_MONTHS of
  // them), so serving does not wait for it; on PGlite its first catalog query costs most of a
  // second of start-up.
  const maintenance = schedulePartitionMaintenance(storage.partitions, config.partitions, logger);
  return closingFirst(storage, async () => {
    maintenance.stop();
    await maintenance.first;
  });
}

/** The storage, with `before` run ahead of its close (and of the close of what it instruments). */
function closingFirst(storage: Storage, before: () => Promise<void>): Storage {
  return {
    ...storage,
    instrument: (wrap) => closingFirst(storage.instrument(wrap), before),
    async close() {
      await before();
      await storage.close();
    },
  };
}

/**
 * Runs the maintenance now and then every maintainSeconds (unref'd: it never keeps the process up).
 * Failures are logged, never thrown. Returns the function that stops the timer.
 */
export function schedulePartitionMaintenance(
  partitions: PartitionMaintenance,
  policy: PartitionPolicy & { maintainSeconds: number },
  logger: StorageLogger,
): { first: Promise<MaintenanceResult | undefined>; stop(): void } {
  const run = async (): Promise<MaintenanceResult | undefined> => {
    try {
      const result = await partitions.maintain(policy, { logger });
      if (result.skipped) logger.warn({ reason: result.skipped }, 'partition maintenance skipped');
      return result;
    } catch (err) {
      logger.error({ err: err instanceof AppError && err.cause ? err.cause : err }, 'partition maintenance failed');
      return undefined;
    }
  };
  const first = run();
  let timer: NodeJS.Timeout | undefined;
  if (policy.maintainSeconds > 0) {
    timer = setInterval(() => void run(), policy.maintainSeconds * 1000);
    timer.unref();
  }
  return {
    first,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
