/**
 * The Oracle retention without a server: partition bounds read from USER_TAB_PARTITIONS, the
 * plan (only whole interval months older than PARTITION_RETENTION_MONTHS, never the range
 * section), and the DDL sent over a scripted executor: DROP PARTITION ... UPDATE INDEXES under a
 * DDL lock timeout that is reset afterwards, a partition another instance dropped first skipped.
 */
import { AppError } from '../../src/domain/errors.js';
import type { OracleBinds, OracleDatabase, OracleExecutor } from '../../src/data/oracle/oracle-database.js';
import {
  oraclePartitions,
  parseHighValue,
  partitionsFromRows,
  partitionsToDrop,
  type OraclePartitionRow,
} from '../../src/data/oracle/oracle-partitions.js';
import { OracleSqlCatalog, type OracleStatement } from '../../src/data/oracle/oracle-sql.js';

const NOW = new Date('2026-05-15T12:00:00Z');
const row = (name: string, position: number, high: string, interval = true): OraclePartitionRow => ({
  PARTITION_NAME: name,
  PARTITION_POSITION: position,
  HIGH_VALUE: `TIMESTAMP' ${high} 00:00:00'`,
  INTERVAL: interval ? 'YES' : 'NO',
});
const ROWS = [
  row('RECORDS_P0', 1, '2025-01-01', false),
  row('SYS_P101', 2, '2026-01-01'),
  row('SYS_P102', 3, '2026-02-01'),
  row('SYS_P104', 4, '2026-04-01'),
  row('SYS_P105', 5, '2026-06-01'),
];

describe('reading the partitions', () => {
  test('when HIGH_VALUE holds a TIMESTAMP literal, then it is that UTC instant; anything else fails loudly', () => {
    expect(parseHighValue("TIMESTAMP' 2026-02-01 00:00:00'")).toEqual(new Date('2026-02-01T00:00:00Z'));
    expect(parseHighValue("TIMESTAMP'2026-02-01 00:00:00.000'")).toEqual(new Date('2026-02-01T00:00:00Z'));
    expect(() => parseHighValue('MAXVALUE')).toThrow('unexpected HIGH_VALUE');
    expect(() => parseHighValue("TO_DATE(' 2026-02-01 00:00:00', 'SYYYY-MM-DD')")).toThrow(
      'unexpected HIGH_VALUE',
    );
  });

  test('when rows come in any order, then partitions run in position order, each interval one the month before its bound', () => {
    const parts = partitionsFromRows([...ROWS].reverse());
    expect(
      parts.map((p) => [p.name, p.from?.toISOString() ?? null, p.to?.toISOString(), p.interval]),
    ).toEqual([
      ['RECORDS_P0', null, '2025-01-01T00:00:00.000Z', false],
      ['SYS_P101', '2025-12-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', true],
      ['SYS_P102', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', true],
      // No rows in February or April 2026, so Oracle made no partition for them.
      ['SYS_P104', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', true],
      ['SYS_P105', '2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z', true],
    ]);
  });

  test('when a partition name would need quoting, then it is refused before any DDL is built', () => {
    expect(() => partitionsFromRows([row('bad"name', 1, '2026-01-01')])).toThrow(
      'unexpected records partition name',
    );
    expect(() => partitionsFromRows([row('SYS_P1; DROP', 1, '2026-01-01')])).toThrow();
  });
});

describe('the retention plan', () => {
  const parts = partitionsFromRows(ROWS);

  test('when the retention is 0, then nothing is dropped', () => {
    expect(partitionsToDrop(parts, { premakeMonths: 3, retentionMonths: 0 }, NOW)).toEqual([]);
  });

  test('when months are kept, then only interval partitions wholly before the cutoff go, never the range section', () => {
    // Keep 3 full months before May 2026: the cutoff is 2026-02-01.
    const drop = partitionsToDrop(parts, { premakeMonths: 3, retentionMonths: 3 }, NOW);
    expect(drop.map((p) => p.name)).toEqual(['SYS_P101', 'SYS_P102']);
    // Keep 1: cutoff 2026-04-01; RECORDS_P0 ends before it but is the range section (ORA-14758).
    expect(partitionsToDrop(parts, { premakeMonths: 3, retentionMonths: 1 }, NOW).map((p) => p.name)).toEqual(
      ['SYS_P101', 'SYS_P102', 'SYS_P104'],
    );
  });
});

/** An OracleDatabase over a scripted executor: the partition listing, and every DDL it is sent. */
function scriptedDb(rows: OraclePartitionRow[], failDrop?: (name: string) => unknown) {
  let current = [...rows];
  const sent: string[] = [];
  const timeouts: (number | undefined)[] = [];
  const exec: OracleExecutor = {
    async execute<R>(stmt: OracleStatement, _binds?: OracleBinds) {
      if (stmt.name === 'listRecordPartitions') return { rows: current as R[] };
      sent.push(stmt.text);
      const m = /DROP PARTITION "(\w+)"/.exec(stmt.text);
      if (m) {
        const failure = failDrop?.(m[1] as string);
        if (failure) throw failure;
        current = current.filter((r) => r.PARTITION_NAME !== m[1]);
      }
      return {};
    },
  };
  const db = {
    withConnection: <T>(
      fn: (conn: unknown, e: OracleExecutor) => Promise<T>,
      o: { callTimeoutMs?: number } = {},
    ) => {
      timeouts.push(o.callTimeoutMs);
      return fn({}, exec);
    },
  } as unknown as OracleDatabase;
  return { db, sent, timeouts, remaining: () => current.map((r) => r.PARTITION_NAME) };
}

const catalog = OracleSqlCatalog.load();
const policy = { premakeMonths: 3, retentionMonths: 3 };

describe('the retention run', () => {
  test('when months have expired, then each is dropped with UPDATE INDEXES under a DDL lock timeout, reset after', async () => {
    const s = scriptedDb(ROWS);
    const result = await oraclePartitions(s.db, catalog).maintain(policy, { now: NOW });
    expect(result).toMatchObject({ created: [], dropped: ['SYS_P101', 'SYS_P102'] });
    expect(result.partitions.map((p) => p.name)).toEqual(['RECORDS_P0', 'SYS_P104', 'SYS_P105']);
    expect(s.sent).toEqual([
      'ALTER SESSION SET DDL_LOCK_TIMEOUT = 5',
      'ALTER TABLE records DROP PARTITION "SYS_P101" UPDATE INDEXES',
      'ALTER TABLE records DROP PARTITION "SYS_P102" UPDATE INDEXES',
      'ALTER SESSION SET DDL_LOCK_TIMEOUT = 0',
    ]);
    // DDL is not bound by a request's call timeout.
    expect(s.timeouts).toEqual([0]);
  });

  test('when nothing has expired, then one dictionary read and no DDL', async () => {
    const s = scriptedDb(ROWS);
    const result = await oraclePartitions(s.db, catalog).maintain(
      { premakeMonths: 3, retentionMonths: 0 },
      { now: NOW },
    );
    expect(result.dropped).toEqual([]);
    expect(s.sent).toEqual([]);
  });

  test('when another instance dropped a partition first (ORA-02149), then it is skipped and the rest go on', async () => {
    const gone = new AppError('internal', { detail: 'x', cause: { errorNum: 2149 } });
    const s = scriptedDb(ROWS, (name) => (name === 'SYS_P101' ? gone : undefined));
    const result = await oraclePartitions(s.db, catalog).maintain(policy, { now: NOW });
    expect(result.dropped).toEqual(['SYS_P102']);
  });

  test('when a drop fails otherwise (ORA-00054 busy), then the run fails and the lock timeout is still reset', async () => {
    const busy = new AppError('internal', { detail: 'x', cause: { errorNum: 54 } });
    const s = scriptedDb(ROWS, () => busy);
    await expect(oraclePartitions(s.db, catalog).maintain(policy, { now: NOW })).rejects.toBe(busy);
    expect(s.sent.at(-1)).toBe('ALTER SESSION SET DDL_LOCK_TIMEOUT = 0');
  });

  test('when records does not exist yet, then the run is skipped with the reason', async () => {
    const s = scriptedDb([]);
    const result = await oraclePartitions(s.db, catalog).maintain(policy, { now: NOW });
    expect(result.skipped).toBe('records does not exist (migrations not applied)');
  });

  test('when a run finished, then the figures count drops and never claim an end of coverage (interval makes every month)', async () => {
    const s = scriptedDb(ROWS);
    const partitions = oraclePartitions(s.db, catalog);
    await partitions.maintain(policy, { now: NOW });
    expect(partitions.stats()).toEqual({ partitions: 3, coveredUntil: null, created: 0, dropped: 2 });
  });

  test('when one partition is dropped by name, then only an expired interval month is accepted', async () => {
    const s = scriptedDb(ROWS);
    const partitions = oraclePartitions(s.db, catalog);
    await expect(partitions.drop('SYS_P105', policy, { now: NOW })).rejects.toThrow(
      'after the retention cutoff',
    );
    await expect(partitions.drop('RECORDS_P0', policy, { now: NOW })).rejects.toThrow('range section');
    await expect(partitions.drop('SYS_P999', policy, { now: NOW })).rejects.toThrow('no partition SYS_P999');
    await expect(
      partitions.drop('SYS_P101', { premakeMonths: 3, retentionMonths: 0 }, { now: NOW }),
    ).rejects.toThrow('keep forever');
    await partitions.drop('sys_p101', policy, { now: NOW });
    expect(s.remaining()).not.toContain('SYS_P101');
  });
});
