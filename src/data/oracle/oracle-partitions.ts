/**
 * Retention of the records table on Oracle Database (docs/oracle.md, "Retention"). Oracle makes
 * each UTC month's partition on the first insert into it (INTERVAL partitioning), so there is
 * nothing to create; with PARTITION_RETENTION_MONTHS > 0 the interval partitions wholly older
 * than the retention are dropped with `ALTER TABLE ... DROP PARTITION ... UPDATE INDEXES`, which
 * keeps the global primary key index usable (a plain DROP PARTITION marks it UNUSABLE). The plan
 * is the one PostgreSQL uses (../partition-plan.ts), read from USER_TAB_PARTITIONS.
 */
import {
  assertDroppable,
  monthStart,
  planMaintenance,
  statsAfter,
  type MaintenanceResult,
  type Partition,
  type PartitionPolicy,
  type PartitionStats,
} from '../partition-plan.js';
import { fillSlots } from '../sql-loader.js';
import type { PartitionMaintenance, StorageLogger } from '../storage.js';
import type { OracleDatabase, OracleExecutor } from './oracle-database.js';
import { oracleCatalog, type OracleSqlCatalog, type OracleStatement } from './oracle-sql.js';

/** The statements of sql/oracle/queries/partitions.sql. */
export const ORACLE_PARTITION_STATEMENTS = [
  'listRecordPartitions',
  'partitionLockTimeout',
  'partitionLockTimeoutReset',
  'dropRecordPartition',
] as const;

type Sql = Record<(typeof ORACLE_PARTITION_STATEMENTS)[number], OracleStatement>;

/** A row of listRecordPartitions (HIGH_VALUE is a LONG, fetched as a string). */
export interface OraclePartitionRow {
  PARTITION_NAME: string;
  PARTITION_POSITION: number;
  HIGH_VALUE: string;
  INTERVAL: string;
}

/** A partition of records, with whether Oracle made it for an interval (only those are dropped). */
export interface OraclePartition extends Partition {
  interval: boolean;
}

// The bound text of a TIMESTAMP partition key, e.g. TIMESTAMP' 2025-02-01 00:00:00'.
const HIGH_VALUE = /^TIMESTAMP\s*'\s*(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.0*)?\s*'$/;
// What a partition name read back may be before it goes into DDL: the dictionary's own
// upper-case names (SYS_P123, RECORDS_P0), nothing that needs quoting.
const NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

/** The exclusive upper bound of a partition, as the instant it is in UTC (the key is UTC). */
export function parseHighValue(text: string): Date {
  const m = HIGH_VALUE.exec(text.trim());
  if (!m) throw new Error(`unexpected HIGH_VALUE of a records partition: ${JSON.stringify(text)}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/**
 * The partitions in position order. An interval partition holds exactly the month before its
 * bound (months without rows have none, so the previous bound may be further back); the range
 * section runs from MINVALUE.
 */
export function partitionsFromRows(rows: OraclePartitionRow[]): OraclePartition[] {
  return [...rows]
    .sort((a, b) => a.PARTITION_POSITION - b.PARTITION_POSITION)
    .map((r) => {
      if (!NAME.test(r.PARTITION_NAME)) throw new Error(`unexpected records partition name ${r.PARTITION_NAME}`);
      const to = parseHighValue(r.HIGH_VALUE);
      const interval = r.INTERVAL === 'YES';
      return { name: r.PARTITION_NAME, from: interval ? monthStart(to, -1) : null, to, isDefault: false, interval };
    });
}

/** The interval partitions the retention lets go (never the range section: ORA-14758). */
export function partitionsToDrop(partitions: OraclePartition[], policy: PartitionPolicy, now: Date): OraclePartition[] {
  const drop = new Set(planMaintenance(partitions, policy, now).drop.map((p) => p.name));
  return partitions.filter((p) => p.interval && drop.has(p.name));
}

/** ORA-02149: the partition is gone already (another instance dropped it first). */
function alreadyDropped(err: unknown): boolean {
  const cause = (err as { cause?: { errorNum?: unknown } } | undefined)?.cause;
  return cause?.errorNum === 2149;
}

class Retention {
  constructor(
    private readonly exec: OracleExecutor,
    private readonly sql: Sql,
  ) {}

  async read(): Promise<OraclePartition[]> {
    const res = await this.exec.execute<OraclePartitionRow>(this.sql.listRecordPartitions, {}, { fetchArraySize: 100 });
    return partitionsFromRows(res.rows ?? []);
  }

  /** Drops each partition, waiting up to 5 s for the table's locks; true for each one gone now. */
  async drop(partitions: OraclePartition[], policy: PartitionPolicy, now: Date): Promise<string[]> {
    const dropped: string[] = [];
    await this.exec.execute(this.sql.partitionLockTimeout);
    try {
      for (const p of partitions) {
        assertDroppable(p, policy, now);
        const text = fillSlots(this.sql.dropRecordPartition, { partition: p.name });
        try {
          await this.exec.execute({ ...this.sql.dropRecordPartition, text });
          dropped.push(p.name);
        } catch (err) {
          if (!alreadyDropped(err)) throw err;
        }
      }
    } finally {
      await this.exec.execute(this.sql.partitionLockTimeoutReset);
    }
    return dropped;
  }
}

const statementsOf = (catalog: OracleSqlCatalog): Sql =>
  Object.fromEntries(ORACLE_PARTITION_STATEMENTS.map((n) => [n, catalog.get(n)])) as Sql;

/** The retention as the storage offers it; runs keep what the metrics read. */
export function oraclePartitions(db: OracleDatabase, catalog: OracleSqlCatalog = oracleCatalog()): PartitionMaintenance {
  const sql = statementsOf(catalog);
  let stats: PartitionStats | undefined;
  // DROP PARTITION is DDL: it commits by itself, and may take longer than a request's bound.
  const run = <T>(fn: (r: Retention) => Promise<T>) =>
    db.withConnection((_conn, exec) => fn(new Retention(exec, sql)), { callTimeoutMs: 0 });
  const log = (logger: StorageLogger | undefined, names: string[], policy: PartitionPolicy) => {
    for (const name of names) logger?.warn({ partition: name, retention_months: policy.retentionMonths }, 'partition dropped');
  };
  return {
    async maintain(policy, options = {}): Promise<MaintenanceResult> {
      const now = options.now ?? new Date();
      const result = await run(async (r) => {
        const before = await r.read();
        if (before.length === 0) return { skipped: 'records does not exist (migrations not applied)', created: [], dropped: [], partitions: [] };
        const todo = partitionsToDrop(before, policy, now);
        if (todo.length === 0) return { created: [], dropped: [], partitions: before };
        const dropped = await r.drop(todo, policy, now);
        return { created: [], dropped, partitions: await r.read() };
      });
      log(options.logger, result.dropped, policy);
      // Interval partitioning covers every future month: there is no end of coverage to warn of.
      if (!result.skipped) stats = { ...statsAfter(stats, result), coveredUntil: null };
      return result;
    },
    async drop(name, policy, options = {}): Promise<void> {
      const now = options.now ?? new Date();
      const dropped = await run(async (r) => {
        const p = (await r.read()).find((x) => x.name === name.toUpperCase());
        if (!p) throw new Error(`records has no partition ${name}`);
        if (!p.interval) throw new Error(`refusing to drop partition ${name}: it is the range section, not a month`);
        return r.drop([p], policy, now);
      });
      log(options.logger, dropped, policy);
    },
    stats: () => stats,
  };
}
