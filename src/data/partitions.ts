/**
 * Partition maintenance of the records table (PostgreSQL and PGlite; docs/partitioning.md):
 * monthly range partitions on created_at (UTC months), made PARTITION_PREMAKE_MONTHS ahead, and
 * with PARTITION_RETENTION_MONTHS > 0 the partitions wholly older than the retention detached
 * and dropped (the plan: partition-plan.ts). One read when there is nothing to do; otherwise one
 * transaction under an advisory lock, so instances running it together take turns and the second
 * finds nothing left to do.
 */
import type { Database, Queryable } from './database.js';
import {
  assertDroppable,
  monthStart,
  planMaintenance,
  statsAfter,
  type MaintenanceResult,
  type Partition,
  type PartitionPolicy,
  type PartitionStats,
} from './partition-plan.js';
import { postgresCatalog, type SqlCatalog, type Statement } from './sql-catalog.js';
import { fillSlots } from './sql-loader.js';
import type { PartitionMaintenance, StorageLogger } from './storage.js';

/** The statements of sql/postgres/queries/partitions.sql. */
export const PARTITION_STATEMENTS = [
  'listRecordPartitions',
  'partitionMaintenanceLock',
  'partitionLockTimeout',
  'createRecordPartition',
  'dropRecordPartition',
] as const;

type Sql = (name: (typeof PARTITION_STATEMENTS)[number]) => Statement;
const statementsOf =
  (catalog: SqlCatalog = postgresCatalog()): Sql =>
  (name) =>
    catalog.get(name);

const NAME = /^records_[a-z0-9_]{1,50}$/;

/** records_pYYYYMM: the partition of a UTC month. */
export function partitionName(month: Date): string {
  return `records_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

interface Row {
  kind: string | null;
  name: string | null;
  range_from: Date | null;
  range_to: Date | null;
  is_default: boolean;
}

async function readPartitions(q: Queryable, sql: Sql): Promise<{ kind: string | null; partitions: Partition[] }> {
  const rows = await q.query<Row>(sql('listRecordPartitions'));
  return {
    kind: rows[0]?.kind ?? null,
    partitions: rows
      .filter((r) => r.name !== null)
      .map((r) => ({
        name: r.name as string,
        from: r.range_from === null ? null : new Date(r.range_from),
        to: r.range_to === null ? null : new Date(r.range_to),
        isDefault: r.is_default,
      })),
  };
}

function notPartitioned(kind: string | null): string | undefined {
  if (kind === 'p') return undefined;
  return kind === null
    ? 'records does not exist (migrations not applied)'
    : 'records is not partitioned (migration 0003 not applied)';
}

/** Creates the month's partition (createRecordPartition says how). */
function createScript(sql: Sql, month: Date): string {
  return fillSlots(sql('createRecordPartition'), {
    partition: partitionName(month),
    range_from: month.toISOString(),
    range_to: monthStart(month, 1).toISOString(),
  });
}

function dropScript(sql: Sql, p: Partition): string {
  if (!NAME.test(p.name)) throw new Error(`unexpected partition name ${p.name}`);
  return fillSlots(sql('dropRecordPartition'), { partition: p.name });
}

export interface MaintainOptions {
  /** The clock (tests). */
  now?: Date;
  /** Also create the months from this one on (backfills, bulk loads of old rows). */
  from?: Date;
  logger?: StorageLogger;
  /** The statements (default: sql/postgres/queries). */
  catalog?: SqlCatalog;
}

/**
 * Creates the missing months and drops the expired ones. Throws when the database fails (a lock
 * not obtained within 5 s included); the caller logs and tries again at the next run.
 */
export async function maintainPartitions(
  db: Database,
  policy: PartitionPolicy,
  options: MaintainOptions = {},
): Promise<MaintenanceResult> {
  const now = options.now ?? new Date();
  const sql = statementsOf(options.catalog);
  const seen = await readPartitions(db, sql);
  const skipped = notPartitioned(seen.kind);
  if (skipped) return { skipped, created: [], dropped: [], partitions: [] };
  const plan = planMaintenance(seen.partitions, policy, now, options);
  if (plan.create.length === 0 && plan.drop.length === 0) {
    return { created: [], dropped: [], partitions: seen.partitions };
  }
  const result = await db.transaction(async (tx) => {
    await tx.exec(sql('partitionLockTimeout').text);
    await tx.query(sql('partitionMaintenanceLock'));
    // Again under the lock: another instance may have done it meanwhile.
    const current = await readPartitions(tx, sql);
    const todo = planMaintenance(current.partitions, policy, now, options);
    const created: string[] = [];
    const dropped: string[] = [];
    for (const month of todo.create) {
      await tx.exec(createScript(sql, month));
      created.push(partitionName(month));
    }
    for (const p of todo.drop) {
      assertDroppable(p, policy, now);
      await tx.exec(dropScript(sql, p));
      dropped.push(p.name);
    }
    return { created, dropped, partitions: (await readPartitions(tx, sql)).partitions };
  });
  for (const name of result.created) options.logger?.info({ partition: name }, 'partition created');
  for (const name of result.dropped) {
    options.logger?.warn({ partition: name, retention_months: policy.retentionMonths }, 'partition dropped');
  }
  return result;
}

/** Detaches and drops one partition by name, only if the retention allows it (the job's --drop). */
export async function dropPartition(
  db: Database,
  name: string,
  policy: PartitionPolicy,
  options: { now?: Date; logger?: StorageLogger; catalog?: SqlCatalog } = {},
): Promise<void> {
  const now = options.now ?? new Date();
  const sql = statementsOf(options.catalog);
  await db.transaction(async (tx) => {
    await tx.exec(sql('partitionLockTimeout').text);
    await tx.query(sql('partitionMaintenanceLock'));
    const { kind, partitions } = await readPartitions(tx, sql);
    const skipped = notPartitioned(kind);
    if (skipped) throw new Error(skipped);
    const p = partitions.find((x) => x.name === name);
    if (!p) throw new Error(`records has no partition ${name}`);
    assertDroppable(p, policy, now);
    await tx.exec(dropScript(sql, p));
  });
  options.logger?.warn({ partition: name, retention_months: policy.retentionMonths }, 'partition dropped');
}

/**
 * The maintenance of one database as the storage offers it: runs keep what the metrics read
 * (PartitionStats), so the process's gauges follow its own runs.
 */
export function postgresPartitions(db: Database, catalog?: SqlCatalog): PartitionMaintenance {
  let stats: PartitionStats | undefined;
  return {
    async maintain(policy, options = {}) {
      const result = await maintainPartitions(db, policy, { ...options, catalog });
      if (!result.skipped) stats = statsAfter(stats, result);
      return result;
    },
    drop: (name, policy, options = {}) => dropPartition(db, name, policy, { ...options, catalog }),
    stats: () => stats,
  };
}
