/**
 * Monthly partitions of records (docs/partitioning.md) on the embedded PGlite and on the
 * PostgreSQL server: migration 0003 converting a populated table, partitions made ahead,
 * retention, refusals, and two instances maintaining at once.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../src/data/database.js';
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { monthStart, type PartitionPolicy } from '../../src/data/partition-plan.js';
import { dropPartition, maintainPartitions, partitionName } from '../../src/data/partitions.js';
import { createPglite } from '../../src/data/pglite.js';
import { createPostgres } from '../../src/data/postgres.js';
import { nearIdTime, PostgresRecordsRepository } from '../../src/data/records-repository.js';
import { AppError } from '../../src/domain/errors.js';
import { type StoredRecord } from '../../src/domain/records.js';
import { compileStatement, SqlCatalog } from '../../src/data/sql-catalog.js';
import { POSTGRES_MIGRATIONS_DIR, POSTGRES_QUERIES_DIR } from '../../src/config/paths.js';
import {
  adminQuery,
  BACKENDS,
  type BackendKind,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../helpers/databases.js';
import { startServerOn } from '../helpers/server.js';
import type { JsonText } from '../../src/domain/json-value.js';

const ALL = loadMigrations(POSTGRES_MIGRATIONS_DIR);
const BEFORE_0003 = ALL.filter((m) => m.version < '0003');
const KEEP: PartitionPolicy = { premakeMonths: 3, retentionMonths: 0 };
const catalog = SqlCatalog.load(POSTGRES_QUERIES_DIR);

interface Opened {
  db: Database;
  schema: string;
  close(): Promise<void>;
}

/** An empty database (nothing migrated), in a schema of its own on the server. */
async function openEmpty(kind: BackendKind): Promise<Opened> {
  if (kind === 'pglite') {
    const db = await createPglite('memory://', 'public');
    return { db, schema: 'public', close: () => db.close() };
  }
  const schema = uniqueSchema();
  const db = openPostgres(schema);
  return {
    db,
    schema,
    async close() {
      await db.close();
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

function openPostgres(schema: string): Database {
  return createPostgres({
    url: TEST_DATABASE_URL,
    schema,
    poolMax: 3,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 10000,
  });
}

let n = 0;
async function sql<R>(db: Database, text: string): Promise<R[]> {
  return db.query<R>(compileStatement(`partitionsTest${n++}`, text));
}

/** Inserts rows as if created at these instants (what the API cannot do). */
async function insertAt(db: Database, userId: string, instants: Date[]): Promise<string[]> {
  const ids = instants.map(() => uuidv7());
  const values = instants
    .map(
      (at, i) => `('${ids[i]}', '${userId}', '{"i": ${i}}', '${at.toISOString()}', '${at.toISOString()}', 1)`,
    )
    .join(', ');
  await db.exec(
    `INSERT INTO records (id, user_id, payload, created_at, updated_at, version) VALUES ${values}`,
  );
  return ids;
}

async function partitionNames(db: Database): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    db,
    `SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass('records') ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function walk(repo: PostgresRecordsRepository, userId: string, limit: number): Promise<StoredRecord[]> {
  const seen: StoredRecord[] = [];
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const page = await repo.listByUser({ userId, limit, createdAfter: null, createdBefore: null, after });
    seen.push(...page);
    if (page.length < limit) return seen;
    const last = page[page.length - 1] as StoredRecord;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

const now = new Date();
const months = (k: number) => monthStart(now, k);

describe.each(BACKENDS)('records partitions on %s', (kind) => {
  test('when 0003 converts a populated table (maintenance skipped before), then every row stays, readable, in the same order and pages', async () => {
    const t = await openEmpty(kind);
    try {
      expect((await maintainPartitions(t.db, KEEP)).skipped).toContain('does not exist');
      await migrate(t.db, t.schema, BEFORE_0003);
      expect((await maintainPartitions(t.db, KEEP)).skipped).toContain('not partitioned');
      const repo = new PostgresRecordsRepository(t.db, catalog);
      // Rows of the last two years, some sharing an instant (the id breaks the tie), and new ones.
      const old = Array.from(
        { length: 60 },
        (_, i) => new Date(months(-(i % 12)).getTime() + (i % 2) * 1000),
      );
      await insertAt(t.db, 'conv', old);
      for (let i = 0; i < 5; i++)
        await repo.insert({ id: uuidv7(), userId: 'conv', payload: `{"fresh":${i}}` as JsonText });
      const before = await walk(repo, 'conv', 7);
      expect(before).toHaveLength(65);

      expect((await migrate(t.db, t.schema, ALL))[0]).toBe('0003_partition_records_by_month');

      const legacy = `records_before_${partitionName(months(1)).slice('records_p'.length)}`;
      expect(await partitionNames(t.db)).toEqual(
        [legacy, ...[1, 2, 3].map((k) => partitionName(months(k)))].sort(),
      );
      expect(await walk(repo, 'conv', 7)).toEqual(before);
      expect(await walk(repo, 'conv', 100)).toEqual(before);
      for (const r of before.slice(0, 10)) expect(await repo.findById(r.id)).toEqual(r);
      // Writes go on: a new row lands in this month's part of the converted table.
      const created = await repo.insert({
        id: uuidv7(),
        userId: 'conv',
        payload: '{"after":true}' as JsonText,
      });
      expect((await walk(repo, 'conv', 10))[0]).toEqual(created);
      const updated = await repo.updatePayload(before[30]!.id, '{"changed":true}' as JsonText, 1);
      expect(updated?.version).toBe(2);
      expect(await repo.delete(before[31]!.id, null)).toMatchObject({ userId: 'conv', version: 1 });
      const [{ count }] = (await sql<{ count: number }>(
        t.db,
        `SELECT count(*)::int AS count FROM records`,
      )) as [{ count: number }];
      expect(count).toBe(65);
    } finally {
      await t.close();
    }
  });

  test('when the table is empty at 0003, then it is monthly from this month, and maintenance makes the months ahead', async () => {
    const t = await openEmpty(kind);
    try {
      await migrate(t.db, t.schema, ALL);
      expect(await partitionNames(t.db)).toEqual([0, 1, 2, 3].map((k) => partitionName(months(k))).sort());

      const result = await maintainPartitions(t.db, { premakeMonths: 6, retentionMonths: 0 });
      expect(result.created).toEqual([4, 5, 6].map((k) => partitionName(months(k))));
      expect(result.dropped).toEqual([]);
      expect(await maintainPartitions(t.db, { premakeMonths: 6, retentionMonths: 0 })).toMatchObject({
        created: [],
        dropped: [],
      });
      // A created partition carries the table's checks and indexes.
      await expect(insertAt(t.db, 'bad user!', [months(5)])).rejects.toThrow();
      const repo = new PostgresRecordsRepository(t.db, catalog);
      const indexes = await sql<{ indexdef: string }>(
        t.db,
        `SELECT indexdef FROM pg_indexes WHERE tablename = '${partitionName(months(5))}' ORDER BY 1`,
      );
      expect(indexes.map((r) => r.indexdef.replace(/^.* USING /, '')).sort()).toEqual([
        'btree (id)',
        'btree (user_id, created_at DESC, id DESC)',
      ]);
      const [id] = await insertAt(t.db, 'ahead', [months(5)]);
      expect((await repo.findById(id!))?.createdAt).toEqual(months(5));
    } finally {
      await t.close();
    }
  });

  test('when the retention is 12 months, then only partitions wholly older are dropped, with their rows', async () => {
    const t = await openEmpty(kind);
    try {
      await migrate(t.db, t.schema, ALL);
      // Partitions back to 24 months ago, as a backfill would make them.
      const backfill = await maintainPartitions(t.db, KEEP, { from: months(-24) });
      expect(backfill.created).toHaveLength(24);
      await insertAt(t.db, 'ret', [
        months(-24),
        months(-13),
        new Date(months(-12).getTime() - 1),
        months(-12),
      ]);
      await insertAt(t.db, 'ret', [months(-1), now]);

      // Retention 0 keeps everything, and an explicit drop is refused.
      expect((await maintainPartitions(t.db, KEEP)).dropped).toEqual([]);
      await expect(dropPartition(t.db, partitionName(months(-24)), KEEP)).rejects.toThrow(
        'PARTITION_RETENTION_MONTHS is 0',
      );
      // A partition not wholly older than the cutoff is refused too.
      const year: PartitionPolicy = { premakeMonths: 3, retentionMonths: 12 };
      await expect(dropPartition(t.db, partitionName(months(-12)), year)).rejects.toThrow('refusing to drop');

      const result = await maintainPartitions(t.db, year);
      expect(result.dropped).toEqual(Array.from({ length: 12 }, (_, i) => partitionName(months(i - 24))));
      const left = await sql<{ created_at: Date }>(
        t.db,
        `SELECT created_at FROM records ORDER BY created_at`,
      );
      expect(left.map((r) => new Date(r.created_at))).toEqual([months(-12), months(-1), now]);
      expect(await partitionNames(t.db)).not.toContain(partitionName(months(-13)));
      expect(await partitionNames(t.db)).toContain(partitionName(months(-12)));
    } finally {
      await t.close();
    }
  });
});

describe.each(BACKENDS)('a row no partition accepts, on %s', (kind) => {
  test('when the month has no partition, then the error is told apart by its routine, not its text, and answered 503 with Retry-After 60', async () => {
    const t = await openEmpty(kind);
    try {
      await migrate(t.db, t.schema, ALL);
      const current = partitionName(months(0));
      await t.db.exec(`ALTER TABLE records DETACH PARTITION ${current}; DROP TABLE ${current}`);
      const repo = new PostgresRecordsRepository(t.db, catalog);
      const miss = await repo
        .insert({ id: uuidv7(), userId: 'miss', payload: '{}' as JsonText })
        .catch((e: unknown) => e);
      expect(miss).toBeInstanceOf(AppError);
      expect(miss).toMatchObject({ status: 503, retryAfterSeconds: 60, spec: { code: 'DAPI-5032' } });
      // What the mapping reads: PostgreSQL's routine; the failure names the table and no constraint.
      const cause = (miss as AppError).cause as Record<string, unknown>;
      expect(cause).toMatchObject({ code: '23514', routine: 'ExecFindPartition', table: 'records' });
      expect(cause.constraint).toBeUndefined();
      // A CHECK violation has the same SQLSTATE, another routine and its constraint: still a 400.
      const check = await insertAt(t.db, 'bad user!', [months(1)]).catch((e: unknown) => e);
      expect(check).toMatchObject({ status: 400, spec: { code: 'DAPI-4004' } });
      expect((check as AppError).cause).toMatchObject({
        code: '23514',
        routine: 'ExecConstraints',
        constraint: expect.any(String),
      });
      // Over HTTP: the api layer writes retryAfterSeconds as Retry-After.
      const s = await startServerOn(t.db);
      try {
        const res = await s.request('POST', '/data', { body: { user_id: 'miss', payload: {} } });
        expect([res.status, res.body.code, res.headers.get('retry-after')]).toEqual([503, 'DAPI-5032', '60']);
      } finally {
        await s.close();
      }
    } finally {
      await t.close();
    }
  });
});

describe('records partitions on postgres: two instances', () => {
  test('when two instances maintain at once, then each month is created once and both succeed', async () => {
    const t = await openEmpty('postgres');
    const other = openPostgres(t.schema);
    try {
      await migrate(t.db, t.schema, ALL);
      const policy: PartitionPolicy = { premakeMonths: 12, retentionMonths: 0 };
      const [a, b] = await Promise.all([
        maintainPartitions(t.db, policy, { from: months(-6) }),
        maintainPartitions(other, policy, { from: months(-6) }),
      ]);
      const created = [...a.created, ...b.created].sort();
      const expected = [-6, -5, -4, -3, -2, -1, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((k) =>
        partitionName(months(k)),
      );
      expect(created).toEqual(expected.sort());
      expect(await partitionNames(t.db)).toHaveLength(19);
    } finally {
      await other.close();
      await t.close();
    }
  });

  test('when the list query has a cursor or a lookup has a UUIDv7 id, then its generic plan prunes the partitions it cannot need', async () => {
    const t = await openEmpty('postgres');
    try {
      await migrate(t.db, t.schema, ALL);
      await maintainPartitions(t.db, KEEP, { from: months(-6) });
      const list = catalog.get('listRecordsByUser');
      const cursor = months(-3).toISOString();
      const plan = await adminQuery(
        `SET search_path TO ${t.schema}; SET plan_cache_mode = force_generic_plan;
         PREPARE l AS ${list.text};
         EXPLAIN (COSTS OFF) EXECUTE l('u', '-infinity', 'infinity', '${cursor}', '${uuidv7()}', 10);`,
      );
      const text = (plan as unknown as { rows: { 'QUERY PLAN': string }[] }[])
        .at(-1)!
        .rows.map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(text).toContain(partitionName(months(-4)));
      expect(text).toContain(partitionName(months(-3)));
      expect(text).not.toContain(partitionName(months(-2)));
      expect(text).not.toContain(partitionName(months(0)));

      // By a UUIDv7 id: only the partitions around the time it carries (this month's, maybe a neighbour).
      const byId = catalog.get('findRecordById');
      const id = uuidv7();
      const near = nearIdTime(id)!;
      const idPlan = await adminQuery(
        `SET search_path TO ${t.schema}; SET plan_cache_mode = force_generic_plan;
         PREPARE f AS ${byId.text};
         EXPLAIN (COSTS OFF) EXECUTE f('${id}', '${near.near_from}', '${near.near_to}');`,
      );
      const idText = (idPlan as unknown as { rows: { 'QUERY PLAN': string }[] }[])
        .at(-1)!
        .rows.map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(idText).toContain(partitionName(months(0)));
      expect(idText.match(/records_p\d{6}_pkey/g)?.length).toBeLessThanOrEqual(2);
    } finally {
      await t.close();
    }
  });
});
