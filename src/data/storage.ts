/**
 * What the rest of the service sees of its database, whichever serves it (PostgreSQL, PGlite or
 * Oracle): the records repository and the idempotency store (interfaces of src/domain), health,
 * pool figures, the partition maintenance where the service keeps the partitions, and close.
 * openStorage (open-storage.ts) builds it from the configuration; each dialect's adapter
 * (postgres-storage.ts, oracle/oracle-storage.ts) implements it over its own driver interface.
 */
import type { IdempotencyStore } from '../domain/idempotency.js';
import type { RecordsRepository } from '../domain/records.js';
import type { Database, PoolStats } from './database.js';
import type { MaintenanceResult, PartitionPolicy, PartitionStats } from './partition-plan.js';

export type StorageKind = 'postgres' | 'pglite' | 'oracle';

/** The log lines the storage writes (pino's Logger has these). */
export interface StorageLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Monthly partitions of records, kept by the service (docs/partitioning.md). */
export interface PartitionMaintenance {
  /** Creates the months the policy wants ahead and drops what it lets go; throws on failure. */
  maintain(
    policy: PartitionPolicy,
    options?: { from?: Date; now?: Date; logger?: StorageLogger },
  ): Promise<MaintenanceResult>;
  /** Detaches and drops one partition, refused unless the retention allows it. */
  drop(name: string, policy: PartitionPolicy, options?: { now?: Date; logger?: StorageLogger }): Promise<void>;
  /** What the last run in this process found; undefined before the first. */
  stats(): PartitionStats | undefined;
}

/** A statement wrapper for PostgreSQL and PGlite, such as the tracing's span per statement. */
export type DatabaseWrapper = <T extends Database>(db: T) => T;

export interface Storage {
  readonly kind: StorageKind;
  readonly records: RecordsRepository;
  readonly idempotency: IdempotencyStore;
  /**
   * The monthly partitions' maintenance. On Oracle, which makes its partitions itself (INTERVAL
   * partitioning), only the retention: nothing is created. Absent for a storage that has none.
   */
  readonly partitions?: PartitionMaintenance;
  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
  /** The pool's connections, for the metrics; undefined for the embedded database. */
  poolStats(): PoolStats | undefined;
  /** The pool's queue delay in ms (Database.queueDelayMs); absent for a storage without one. */
  queueDelayMs?(): number;
  /**
   * The same storage with the repository's and the store's statements run through wrap (the
   * tracing). A storage whose driver has no such wrapper yet (Oracle) returns itself.
   */
  instrument(wrap: DatabaseWrapper): Storage;
  /** Stops background work (the partition maintenance), then closes the pool. */
  close(): Promise<void>;
}
