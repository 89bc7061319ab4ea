/**
 * The repository contract on Oracle Database, plus what only Oracle has: the PL/SQL package's
 * own checks, the list's plans (V$SQL_PLAN: the user needs SELECT_CATALOG_ROLE), the retention
 * and a refused account. Runs when ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD are set; the
 * suite EMPTIES the RECORDS table of that schema, so point it at a throwaway schema (the CI
 * workflow uses a fresh Oracle Database Free container). Without them every test is reported
 * as skipped, with the reason in the suite title, never as passed.
 */
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../src/domain/errors.js';
import { oracleOptionsFromEnv, type OracleOptions } from '../../src/config/oracle-options.js';
import { OracleDatabase } from '../../src/data/oracle/oracle-database.js';
import { migrateOracle } from '../../src/data/oracle/oracle-migrations.js';
import { uuidToRaw } from '../../src/data/oracle/oracle-records-binds.js';
import { OracleRecordsRepository } from '../../src/data/oracle/oracle-records-repository.js';
import { OracleSqlCatalog, prepareStatement } from '../../src/data/oracle/oracle-sql.js';
import { listCall } from '../../src/data/oracle/oracle-list-query.js';
import { oraclePartitions } from '../../src/data/oracle/oracle-partitions.js';
import { probeOracle } from '../../src/data/oracle/oracle-storage.js';
import { oracledb } from '../../src/data/oracle/oracle-database.js';
import { describeRepositoryContract, type RepositoryUnderTest } from './repository-contract.js';
import { jsonTextOf, type JsonText } from '../../src/domain/json-value.js';

const SKIP_REASON = 'skipped: ORACLE_CONNECT_STRING is not set (no Oracle Database on this machine)';

// Throws (and fails this file) when ORACLE_* is set but wrong: a misconfiguration is not a skip.
const configured = oracleOptionsFromEnv(process.env);

async function openMigrated(options: OracleOptions): Promise<OracleDatabase> {
  // A small pool: the suite runs a handful of statements at a time.
  const db = await OracleDatabase.open({ ...options, poolMin: 1, poolMax: 4, poolIncrement: 1 });
  try {
    await migrateOracle(db);
    await db.execute(prepareStatement('truncateRecords', 'TRUNCATE TABLE records'));
    return db;
  } catch (err) {
    // The pool reconnects in the background; close it or the test process never exits.
    await db.close(0);
    throw err;
  }
}

function openRepository(options: OracleOptions | undefined): () => Promise<RepositoryUnderTest> {
  return async () => {
    if (!options) throw new Error(SKIP_REASON);
    const db = await openMigrated(options);
    return { repo: new OracleRecordsRepository(db, OracleSqlCatalog.load()), close: () => db.close(0) };
  };
}

function oracleSpecifics(options: OracleOptions | undefined): void {
  describe('records repository on oracle: the PL/SQL package and Oracle traps', () => {
    let db: OracleDatabase;
    let repo: OracleRecordsRepository;
    beforeAll(async () => {
      if (!options) throw new Error(SKIP_REASON);
      db = await openMigrated(options);
      repo = new OracleRecordsRepository(db, OracleSqlCatalog.load());
    });
    afterAll(async () => {
      await db?.close(0);
    });

    const bulk = () => OracleSqlCatalog.load().get('bulkInsertRecords');
    const items = (n: number, userId = 'ora-pkg') =>
      Array.from({ length: n }, (_, i) => ({
        id: uuidToRaw(uuidv7()).toString('hex'),
        user_id: userId,
        payload: { i },
      }));
    const bulkBinds = (val: unknown[], expected: number, createdAt: Date | null = null) => ({
      items: { type: oracledb().DB_TYPE_JSON, val },
      expected_count: { type: oracledb().DB_TYPE_NUMBER, val: expected },
      created_at: { dir: oracledb().BIND_INOUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: createdAt },
    });

    test('when the package gets another number of items than it was told, then it raises -20001, mapped to 400, and keeps nothing', async () => {
      const two = items(2);
      const err = await db.execute(bulk(), bulkBinds(two, 3), { autoCommit: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 400, extra: { database_code: 20001 } });
      expect(
        await repo.listByUser({
          userId: 'ora-pkg',
          limit: 5,
          createdAfter: null,
          createdBefore: null,
          after: null,
        }),
      ).toEqual([]);
    });

    test('when an item has an empty user id or a payload that is not an object, then the table refuses it with 400', async () => {
      const [good] = items(1);
      for (const bad of [
        { ...good, user_id: '' },
        { ...good, payload: [1, 2] },
      ]) {
        const err = await db
          .execute(bulk(), bulkBinds([bad], 1), { autoCommit: true })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ status: 400 });
      }
    });

    test('when a batch is inserted through JSON_TABLE, then numbers, strings and nesting come back exactly', async () => {
      const payload = {
        n: [0, -0.5, 1e-130, 9.999e125, 0.1 + 0.2, 2 ** 53 + 1],
        s: 'ä"\\',
        deep: { a: [{ b: null }] },
      };
      const [row] = await repo.insertMany([
        { id: uuidv7(), userId: 'ora-json', payload: jsonTextOf(payload) },
      ]);
      expect(JSON.parse((await repo.findById(row!.id))!.payload)).toEqual(payload);
    });

    test('when a batch of 1000 is inserted, then all come back in order with one creation time', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        id: uuidv7(),
        userId: 'ora-bulk',
        payload: `{"i":${i}}` as JsonText,
      }));
      const rows = await repo.insertMany(batch);
      expect(rows.map((r) => r.id)).toEqual(batch.map((b) => b.id));
      expect(new Set(rows.map((r) => r.createdAt.getTime())).size).toBe(1);
      expect(await repo.findById(batch[999]!.id)).toEqual(rows[999]);
    });

    test('when the versioned package is looked up, then it is the one the bulk statement calls, and valid', async () => {
      const res = await db.execute<{ OBJECT_TYPE: string; STATUS: string }>(
        prepareStatement(
          'packageStatus',
          "SELECT object_type, status FROM user_objects WHERE object_name = 'RECORDS_API_V1' ORDER BY object_type",
        ),
      );
      expect(res.rows).toEqual([
        { OBJECT_TYPE: 'PACKAGE', STATUS: 'VALID' },
        { OBJECT_TYPE: 'PACKAGE BODY', STATUS: 'VALID' },
      ]);
    });

    test('when a timestamp is read back, then it is the same instant in milliseconds', async () => {
      const r = await repo.insert({ id: uuidv7(), userId: 'ora-time', payload: '{}' as JsonText });
      expect(r.createdAt.getUTCMilliseconds()).toBe(r.createdAt.getTime() % 1000);
      const [listed] = await repo.listByUser({
        userId: 'ora-time',
        limit: 1,
        createdAfter: new Date(r.createdAt.getTime() - 1),
        createdBefore: new Date(r.createdAt.getTime() + 1),
        after: null,
      });
      expect(listed?.createdAt.toISOString()).toBe(r.createdAt.toISOString());
    });

    test('when a payload number is beyond Oracle NUMBER, then it is refused with 400 and nothing is stored', async () => {
      const id = uuidv7();
      await expect(
        repo.insert({ id, userId: 'ora-num', payload: '{"max":1.7976931348623157e308}' as JsonText }),
      ).rejects.toMatchObject({
        status: 400,
      });
      expect(await repo.findById(id)).toBeNull();
    });

    test('when the pool is asked, then it answers the readiness ping', async () => {
      await expect(db.ping()).resolves.toBeUndefined();
    });
  });
}

/** What only a live Oracle can show: the list's plans, the retention, and a refused account. */
function oracleOperations(options: OracleOptions | undefined): void {
  describe('oracle operations: list plans, retention, refused account', () => {
    let db: OracleDatabase;
    let repo: OracleRecordsRepository;
    const catalog = OracleSqlCatalog.load();
    const bulk = catalog.get('bulkInsertRecords');
    /** Inserts n records of userId created at `at` (the package takes a given creation time). */
    const insertAt = async (userId: string, n: number, at: Date) => {
      const val = Array.from({ length: n }, (_, i) => ({
        id: uuidToRaw(uuidv7()).toString('hex'),
        user_id: userId,
        payload: { i },
      }));
      await db.execute(
        bulk,
        {
          items: { type: oracledb().DB_TYPE_JSON, val },
          expected_count: { type: oracledb().DB_TYPE_NUMBER, val: n },
          created_at: { dir: oracledb().BIND_INOUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: at },
        },
        { autoCommit: true },
      );
    };

    beforeAll(async () => {
      if (!options) throw new Error(SKIP_REASON);
      db = await openMigrated(options);
      repo = new OracleRecordsRepository(db, catalog);
      const now = new Date();
      for (let m = 0; m < 3; m++) {
        const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 10));
        for (let u = 0; u < 20; u++) await insertAt(`ora-plan-${u}`, 50, at);
      }
      await db.execute(
        prepareStatement('gatherStats', "BEGIN DBMS_STATS.GATHER_TABLE_STATS(USER, 'RECORDS'); END;"),
      );
    });
    afterAll(async () => {
      await db?.close(0);
    });

    /** The plan lines of the statement the session ran last (V$SQL_PLAN; SELECT_CATALOG_ROLE). */
    const lastPlan = (conn: import('../../src/data/oracle/oracle-database.js').OracleExecutor) =>
      conn.execute<{
        OPERATION: string;
        OPTIONS: string | null;
        OBJECT_NAME: string | null;
        PARTITION_START: string | null;
        PARTITION_STOP: string | null;
      }>(
        prepareStatement(
          'lastPlan',
          `SELECT operation, options, object_name, partition_start, partition_stop FROM v$sql_plan
           WHERE (sql_id, child_number) = (SELECT prev_sql_id, prev_child_number FROM v$session WHERE sid = SYS_CONTEXT('USERENV', 'SID'))
           ORDER BY id`,
        ),
      );

    test.each([
      ['no bound', { createdAfter: null, createdBefore: null }, false],
      ['a lower bound', { createdAfter: 'month-1', createdBefore: null }, true],
      ['an upper bound', { createdAfter: null, createdBefore: 'month-1' }, true],
      ['both bounds', { createdAfter: 'month-2', createdBefore: 'month-1' }, true],
    ] as const)(
      'when a page with %s is read, then the plan is a descending range scan of the local index, pruned by the bounds, without a sort',
      async (_what, bounds, pruned) => {
        const now = new Date();
        const month = (k: string | null) =>
          k === null
            ? null
            : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - Number(k.slice(-1)), 20));
        const q = {
          userId: 'ora-plan-7',
          limit: 20,
          createdAfter: month(bounds.createdAfter),
          createdBefore: month(bounds.createdBefore),
          after: null,
        };
        const call = listCall(q);
        const plan = await db.withConnection(async (_conn, exec) => {
          await exec.execute(catalog.get(call.name), call.binds, call.options);
          return (await lastPlan(exec)).rows ?? [];
        });
        process.stderr.write(
          `\n${call.name}:\n${plan.map((p) => `  ${p.OPERATION} ${p.OPTIONS ?? ''} ${p.OBJECT_NAME ?? ''} ${p.PARTITION_START ?? ''}..${p.PARTITION_STOP ?? ''}`).join('\n')}\n`,
        );
        expect(
          plan.some(
            (p) => p.OBJECT_NAME === 'RECORDS_USER_CREATED_IDX' && /RANGE SCAN/.test(p.OPTIONS ?? ''),
          ),
        ).toBe(true);
        expect(plan.some((p) => p.OPERATION === 'SORT' && /ORDER BY/.test(p.OPTIONS ?? ''))).toBe(false);
        const partition = plan.find((p) => p.OPERATION === 'PARTITION RANGE');
        expect(partition).toBeDefined();
        if (pruned) expect(`${partition?.PARTITION_START} ${partition?.PARTITION_STOP}`).toMatch(/KEY/);
      },
    );

    test('when a month is older than the retention, then its partition is dropped with UPDATE INDEXES and the primary key stays usable', async () => {
      const old = new Date(Date.UTC(new Date().getUTCFullYear() - 1, 0, 15));
      await insertAt('ora-retention', 3, old);
      const kept = await repo.insert({ id: uuidv7(), userId: 'ora-retention', payload: '{}' as JsonText });
      const partitions = oraclePartitions(db, catalog);
      const result = await partitions.maintain({ premakeMonths: 3, retentionMonths: 6 });
      expect(result.dropped.length).toBeGreaterThanOrEqual(1);
      const left = await repo.listByUser({
        userId: 'ora-retention',
        limit: 10,
        createdAfter: null,
        createdBefore: null,
        after: null,
      });
      expect(left.map((r) => r.id)).toEqual([kept.id]);
      const status = await db.execute<{ STATUS: string }>(
        prepareStatement('pkStatus', "SELECT status FROM user_indexes WHERE index_name = 'RECORDS_PK'"),
      );
      expect(status.rows).toEqual([{ STATUS: 'VALID' }]);
      expect(await repo.findById(kept.id)).toMatchObject({ id: kept.id });
      expect(partitions.stats()).toMatchObject({ coveredUntil: null });
    });

    test('when the password is wrong, then the start fails naming ORA-01017, not as an outage', async () => {
      const wrong = await OracleDatabase.open({
        ...options!,
        password: `${options!.password}-wrong`,
        poolMin: 0,
        poolMax: 1,
      });
      const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
      await expect(probeOracle(wrong, logger)).rejects.toThrow('Oracle refused ORACLE_USER (ORA-01017');
    });
  });
}

if (configured) {
  describeRepositoryContract('oracle', openRepository(configured), {
    fullDoubleRange: false,
    exactDigits: false,
  });
  oracleSpecifics(configured);
  oracleOperations(configured);
} else {
  // Jest prints no title, and drops the console output, of a file whose tests are all skipped;
  // a direct write to stderr is what reaches its output, so the reason is seen there.
  process.stderr.write(`\nrepository-oracle.test.ts: the Oracle repository tests are ${SKIP_REASON}\n`);
  describe.skip(`records repository contract: oracle — ${SKIP_REASON}`, () => {
    describeRepositoryContract('oracle', openRepository(undefined), {
      fullDoubleRange: false,
      exactDigits: false,
    });
    oracleSpecifics(undefined);
    oracleOperations(undefined);
  });
}
