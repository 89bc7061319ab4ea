/**
 * The repository contract on Oracle Database, plus what only Oracle has (the PL/SQL package's
 * own checks). Runs when ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD are set; the
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
import { oracledb } from '../../src/data/oracle/oracle-database.js';
import { describeRepositoryContract, type RepositoryUnderTest } from './repository-contract.js';
import type { JsonText } from '../../src/domain/json-value.js';

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

    test('when the package gets arrays of different lengths, then it raises -20001, mapped to 400', async () => {
      const bulk = OracleSqlCatalog.load().get('bulkInsertRecords');
      const err = await db
        .execute(bulk, {
          ids: {
            type: oracledb().DB_TYPE_RAW,
            val: [uuidToRaw(uuidv7()), uuidToRaw(uuidv7())],
            maxArraySize: 2,
          },
          user_ids: { type: oracledb().DB_TYPE_VARCHAR, val: ['u1'], maxArraySize: 1 },
          payloads: { type: oracledb().DB_TYPE_JSON, val: [{}, {}] },
          expected_count: { type: oracledb().DB_TYPE_NUMBER, val: 2 },
          created_at: { dir: oracledb().BIND_INOUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: null },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 400, extra: { database_code: 20001 } });
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

if (configured) {
  describeRepositoryContract('oracle', openRepository(configured), {
    fullDoubleRange: false,
    exactDigits: false,
  });
  oracleSpecifics(configured);
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
  });
}
