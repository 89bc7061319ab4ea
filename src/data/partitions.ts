/**
 * Partition maintenance of the records table (PostgreSQL and PGlite; docs/partitioning.md):
 * monthly range partitions on created_at (UTC months), made PARTITION_PREMAKE_MONTHS ahead, and
 * with PARTITION_RETENTION_MONTHS > 0 the partitions wholly older than the retention detached
 * and dropped. One read when there is nothing to do; otherwise one transaction under an advisory
 * lock, so instances running it together take turns and the second finds nothing left to do.
 */
import { AppError } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Database, Queryable } from './database.js';
import { postgresCatalog, type SqlCatalog, type Statement } from './sql-catalog.js';
import { fillSlots } from './sql-loader.js';

export interface PartitionPolicy {
  /** Months after the current one that must have a partition. */
  premakeMonths: number;
  /** Full months before the current one to keep; 0 keeps everything. */
  retentionMonths: number;
}

export interface Partition {
  name: string;
  /** Inclusive lower bound; null for MINVALUE (the converted table before migration 0003). */
  from: Date | null;
  /** Exclusive upper bound; null for MAXVALUE. */
  to: Date | null;
  isDefault: boolean;
}

export interface MaintenanceResult {
  /** Set when nothing was looked at, with the reason (e.g. records is not partitioned). */
  skipped?: string;
  created: string[];
  dropped: string[];
  /** Partitions after the run. */
  partitions: Partition[];
}

/** What the metrics read (src/observability/metrics.ts); undefined until a run in this process. */
export interface PartitionStats {
  partitions: number;
  /** Exclusive end of the newest partition: inserts after it fail. */
  coveredUntil: Date | null;
  created: number;
  dropped: number;
}

let stats: PartitionStats | undefined;
export function partitionStats(): PartitionStats | undefined {
  return stats;
}

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

/** First instant of the UTC month of `at`, plus `months`. */
export function monthStart(at: Date, months = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1));
}

export function partitionName(month: Date): string {
  return `records_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Partitions whose whole range ends at or before this instant may be dropped. */
export function retentionCutoff(policy: PartitionPolicy, now: Date): Date | null {
  return policy.retentionMonths > 0 ? monthStart(now, -policy.retentionMonths) : null;
}

function overlaps(p: Partition, from: Date, to: Date): boolean {
  if (p.isDefault) return false;
  return (p.from === null || p.from < to) && (p.to === null || p.to > from);
}

/** The months to create (first instants) and the partitions to drop; no I/O. */
export function planMaintenance(
  existing: Partition[],
  policy: PartitionPolicy,
  now: Date,
  options: { from?: Date } = {},
): { create: Date[]; drop: Partition[] } {
  const create: Date[] = [];
  const first = options.from ? monthStart(options.from) : monthStart(now);
  const last = monthStart(now, policy.premakeMonths);
  for (let m = first; m <= last; m = monthStart(m, 1)) {
    if (!existing.some((p) => overlaps(p, m, monthStart(m, 1)))) create.push(m);
  }
  const cutoff = retentionCutoff(policy, now);
  const drop = cutoff ? existing.filter((p) => !p.isDefault && p.to !== null && p.to <= cutoff) : [];
  return { create, drop };
}

/** Refuses (throws) unless the partition's whole range is older than the retention allows. */
export function assertDroppable(p: Partition, policy: PartitionPolicy, now: Date): void {
  const cutoff = retentionCutoff(policy, now);
  if (cutoff === null) {
    throw new Error(`refusing to drop partition ${p.name}: PARTITION_RETENTION_MONTHS is 0 (keep forever)`);
  }
  if (p.isDefault || p.to === null || p.to > cutoff) {
    throw new Error(
      `refusing to drop partition ${p.name}: its range ends ${p.to?.toISOString() ?? 'never'}, after the retention cutoff ${cutoff.toISOString()}`,
    );
  }
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
  logger?: Logger;
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
    record(seen.partitions, [], []);
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
  record(result.partitions, result.created, result.dropped);
  return result;
}

/** Detaches and drops one partition by name, only if the retention allows it (the job's --drop). */
export async function dropPartition(
  db: Database,
  name: string,
  policy: PartitionPolicy,
  options: { now?: Date; logger?: Logger; catalog?: SqlCatalog } = {},
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

function record(partitions: Partition[], created: string[], dropped: string[]): void {
  const ends = partitions.filter((p) => !p.isDefault && p.to !== null).map((p) => (p.to as Date).getTime());
  stats = {
    partitions: partitions.length,
    coveredUntil: ends.length > 0 ? new Date(Math.max(...ends)) : null,
    created: (stats?.created ?? 0) + created.length,
    dropped: (stats?.dropped ?? 0) + dropped.length,
  };
}

/**
 * Runs the maintenance now and then every maintainSeconds (unref'd: it never keeps the process up).
 * Failures are logged, never thrown. Returns the function that stops the timer.
 */
export function schedulePartitionMaintenance(
  db: Database,
  policy: PartitionPolicy & { maintainSeconds: number },
  logger: Logger,
): { first: Promise<MaintenanceResult | undefined>; stop(): void } {
  const run = async (): Promise<MaintenanceResult | undefined> => {
    try {
      const result = await maintainPartitions(db, policy, { logger });
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
