/**
 * The partition plan of the records table, whichever database keeps the partitions: which UTC
 * months must exist (PARTITION_PREMAKE_MONTHS ahead), which partitions the retention lets go
 * (PARTITION_RETENTION_MONTHS), and what the metrics read after a run. No I/O; partitions.ts runs
 * it on PostgreSQL and PGlite (docs/partitioning.md).
 */

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

/** What the metrics read after a run; undefined until a run in this process. */
export interface PartitionStats {
  partitions: number;
  /** Exclusive end of the newest partition: inserts after it fail. */
  coveredUntil: Date | null;
  created: number;
  dropped: number;
}

/** First instant of the UTC month of `at`, plus `months`. */
export function monthStart(at: Date, months = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1));
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

/** The metrics' view after a run that looked at the partitions (a skipped run changes nothing). */
export function statsAfter(previous: PartitionStats | undefined, result: MaintenanceResult): PartitionStats {
  const ends = result.partitions.filter((p) => !p.isDefault && p.to !== null).map((p) => (p.to as Date).getTime());
  return {
    partitions: result.partitions.length,
    coveredUntil: ends.length > 0 ? new Date(Math.max(...ends)) : null,
    created: (previous?.created ?? 0) + result.created.length,
    dropped: (previous?.dropped ?? 0) + result.dropped.length,
  };
}
