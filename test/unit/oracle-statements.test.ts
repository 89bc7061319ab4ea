/**
 * The Oracle SQL files against the code that runs them, without a server: every statement the
 * repository and the idempotency store use exists and every one that exists is used; each call
 * supplies exactly the binds its statement names; the files follow Oracle's rules (no `;` after
 * SQL, no repeated bind with RETURNING, identifiers within 128 bytes); the package matches its
 * caller.
 */
import { IDEMPOTENCY_STATEMENTS } from '../../src/data/idempotency-store.js';
import { OracleIdempotencyStore } from '../../src/data/oracle/oracle-idempotency-store.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORDS_API_ERRORS } from '../../src/data/oracle/oracle-errors.js';
import type {
  OracleBinds,
  OracleDatabase,
  OracleExecuteOptions,
} from '../../src/data/oracle/oracle-database.js';
import { uuidToRaw } from '../../src/data/oracle/oracle-records-binds.js';
import { ORACLE_LIST_STATEMENTS } from '../../src/data/oracle/oracle-list-query.js';
import { ORACLE_PARTITION_STATEMENTS } from '../../src/data/oracle/oracle-partitions.js';
import {
  ORACLE_RECORD_STATEMENTS,
  OracleRecordsRepository,
} from '../../src/data/oracle/oracle-records-repository.js';
import {
  loadOracleMigrations,
  loadOraclePackages,
  ORACLE_MIGRATION_STATEMENTS,
} from '../../src/data/oracle/oracle-migrations.js';
import {
  bindNames,
  ORACLE_PACKAGES_DIR,
  OracleSqlCatalog,
  type OracleStatement,
} from '../../src/data/oracle/oracle-sql.js';
import { parseSqlFile, SqlCatalog } from '../../src/data/sql-catalog.js';
import { POSTGRES_QUERIES_DIR } from '../../src/config/paths.js';
import type { JsonText } from '../../src/domain/json-value.js';

const ID = '0190f5e4-7a1b-7c2d-8e3f-123456789abc';
const ID2 = '0190f5e4-7a1b-7c2d-8e3f-123456789abd';
const AT = new Date('2025-03-04T05:06:07.891Z');
const ROW = {
  ID: uuidToRaw(ID),
  USER_ID: 'u1',
  PAYLOAD: { a: 1 },
  CREATED_AT: AT,
  UPDATED_AT: AT,
  VERSION: 1,
};

interface Call {
  stmt: OracleStatement;
  binds: OracleBinds;
  options: OracleExecuteOptions | undefined;
}

const BULK_CALL_TIMEOUT_MS = 30_000;

/** An OracleDatabase that records each execute and answers as Oracle would for one matching row. */
function recordingDb() {
  const calls: Call[] = [];
  let sessions = 0;
  const execute = async (stmt: OracleStatement, binds: OracleBinds = {}, options?: OracleExecuteOptions) => {
    calls.push({ stmt, binds, options });
    const returning = { out_created_at: [AT], out_updated_at: [AT], out_version: [2], out_user_id: ['u1'] };
    switch (stmt.name) {
      case 'insertRecord':
      case 'updateRecordPayload':
        return { outBinds: returning };
      case 'bulkInsertRecords':
        return { outBinds: { created_at: (binds.created_at?.val as Date | null) ?? AT } };
      case 'deleteRecord':
        return { rowsAffected: 1, outBinds: { out_user_id: ['u1'], out_version: [1] } };
      case 'eraseRecords':
        return {
          rowsAffected: 2,
          outBinds: { out_id: [uuidToRaw(ID), uuidToRaw(ID2)], out_version: [1, 3] },
        };
      case 'findRecordVersion':
        return { rows: [{ VERSION: 1 }] };
      case 'claimIdempotencyKey':
        // Taken: the store goes on to read the row.
        return { outBinds: { claimed: 0 } };
      case 'findIdempotencyKey':
        return {
          rows: [
            { FINGERPRINT: 'f'.repeat(64), STATE: 'in-flight', STATUS: null, HEADERS: null, BODY: null },
          ],
        };
      case 'completeIdempotencyKey':
      case 'releaseIdempotencyKey':
      case 'purgeIdempotencyKeys':
        return { rowsAffected: 1 };
      default:
        return { rows: [ROW] };
    }
  };
  const callTimeouts: (number | undefined)[] = [];
  const db = {
    execute,
    bulkCallTimeoutMs: BULK_CALL_TIMEOUT_MS,
    async withConnection<T>(
      fn: (conn: unknown, exec: { execute: typeof execute }) => Promise<T>,
      options: { callTimeoutMs?: number } = {},
    ): Promise<T> {
      sessions++;
      callTimeouts.push(options.callTimeoutMs);
      return fn({}, { execute });
    },
  } as unknown as OracleDatabase;
  return { db, calls, sessions: () => sessions, callTimeouts };
}

async function exerciseAll(repo: OracleRecordsRepository): Promise<void> {
  await repo.insert({ id: ID, userId: 'u1', payload: '{"a":1}' as JsonText });
  await repo.insertMany([{ id: ID, userId: 'u1', payload: '{"a":1}' as JsonText }]);
  await repo.findById(ID);
  // One page per list variant: no bound, a lower bound, an upper bound (cursor), both.
  for (const createdAfter of [null, AT]) {
    for (const after of [null, { createdAt: AT, id: ID }]) {
      await repo.listByUser({ userId: 'u1', limit: 3, createdAfter, createdBefore: null, after });
    }
  }
  const filter = { value: { a: 1, s: 'x' }, text: '{"a":1,"s":"x"}' as JsonText };
  await repo.listByUser({
    userId: 'u1',
    limit: 3,
    createdAfter: null,
    createdBefore: null,
    after: null,
    contains: { filter, floor: { createdAt: AT, id: ID } },
  });
  await repo.positionAt({ userId: 'u1', createdAfter: AT, createdBefore: null, after: null, skip: 9 });
  await repo.eraseRange('u1', { below: null, from: { createdAt: AT, id: ID } });
  await repo.updatePayload(ID, '{"b":2}' as JsonText, 1);
  await repo.delete(ID, null);
  await repo.findVersion(ID);
}

async function exerciseStore(store: OracleIdempotencyStore): Promise<void> {
  const claim = { subject: 'jwt:u1', key: 'k1', fingerprint: 'f'.repeat(64), token: 'a-token' };
  await store.claim(claim, 60, 30);
  await store.complete(claim, {
    status: 201,
    headers: { ETag: '"1"' },
    body: Buffer.from('{}'),
  });
  await store.release(claim);
  await store.purgeExpired();
}

const catalog = OracleSqlCatalog.load();

describe('the Oracle statement catalog', () => {
  test('when the catalog loads, then it holds exactly the statements the repository, the idempotency store and the migration runner use', () => {
    expect([...catalog.names()].sort()).toEqual(
      [
        ...ORACLE_RECORD_STATEMENTS,
        ...IDEMPOTENCY_STATEMENTS,
        ...ORACLE_MIGRATION_STATEMENTS,
        ...ORACLE_PARTITION_STATEMENTS,
      ].sort(),
    );
  });

  test('when compared with the PostgreSQL catalog, then both backends name the same statements', () => {
    // Each dialect's partition maintenance is its own (partitions.sql): Oracle's INTERVAL
    // partitioning creates each month's partition itself and only the retention drops (docs/oracle.md).
    // Each dialect's migration runner keeps its own bookkeeping (migrations.sql): Oracle DDL is
    // not transactional. Oracle's list has a variant per combination of bounds (listRecordsByUser
    // is the one both have). PostgreSQL's bulk insert has a variant that reads nothing back (for
    // Prefer: return=minimal); Oracle's never reads its rows back (docs/oracle.md).
    const postgresOnly = new Set([
      'bulkInsertRecordsBare',
      ...['partitions.sql', 'migrations.sql']
        .filter((f) => existsSync(join(POSTGRES_QUERIES_DIR, f)))
        .flatMap((f) =>
          parseSqlFile(readFileSync(join(POSTGRES_QUERIES_DIR, f), 'utf8'), f).map((st) => st.name),
        ),
    ]);
    const oracleOnly = new Set<string>([
      ...ORACLE_MIGRATION_STATEMENTS,
      ...ORACLE_PARTITION_STATEMENTS,
      ...ORACLE_LIST_STATEMENTS.filter((n) => n !== 'listRecordsByUser'),
    ]);
    const postgres = SqlCatalog.load(POSTGRES_QUERIES_DIR)
      .names()
      .filter((n) => !postgresOnly.has(n));
    expect([...catalog.names()].filter((n) => !oracleOnly.has(n)).sort()).toEqual(postgres.sort());
  });

  test('when every repository and store method runs, then each statement is used and gets exactly its binds', async () => {
    const { db, calls } = recordingDb();
    await exerciseAll(new OracleRecordsRepository(db, catalog));
    await exerciseStore(new OracleIdempotencyStore(db, catalog));
    expect(new Set(calls.map((c) => c.stmt.name))).toEqual(
      new Set([...ORACLE_RECORD_STATEMENTS, ...IDEMPOTENCY_STATEMENTS]),
    );
    for (const c of calls) {
      expect([c.stmt.name, Object.keys(c.binds).sort()]).toEqual([c.stmt.name, [...c.stmt.binds].sort()]);
    }
  });

  test('when the idempotency store writes, then every write commits in its own round trip', async () => {
    const { db, calls } = recordingDb();
    await exerciseStore(new OracleIdempotencyStore(db, catalog));
    for (const c of calls.filter((x) => x.stmt.name !== 'findIdempotencyKey')) {
      expect([c.stmt.name, c.options?.autoCommit]).toEqual([c.stmt.name, true]);
    }
  });

  test('when the key is claimed, then a new key is INSERTed and only an expired row, or one of the same request whose lease ran out, is taken over on ORA-00001', () => {
    const { text } = catalog.get('claimIdempotencyKey');
    expect(text).toMatch(/^BEGIN\s+INSERT INTO idempotency_keys\b/);
    expect(text).toMatch(/EXCEPTION\s+WHEN DUP_VAL_ON_INDEX THEN\s+UPDATE idempotency_keys\b/);
    expect(text).toMatch(
      /WHERE subject = :subject AND key = :idem_key\s+AND \(expires_at <= SYSTIMESTAMP\s+OR \(state = 'in-flight' AND fingerprint = :fingerprint\s+AND NVL\(lease_until, created_at \+ INTERVAL '1' MINUTE\) <= SYSTIMESTAMP\)\);/,
    );
    expect(text.match(/:claimed :=/g)).toHaveLength(2);
    expect(text).toMatch(/END;$/);
    // Reads of the key see only live rows; the purge deletes only expired ones.
    expect(catalog.get('findIdempotencyKey').text).toMatch(/expires_at > SYSTIMESTAMP$/);
    expect(catalog.get('purgeIdempotencyKeys').text).toMatch(/WHERE expires_at <= SYSTIMESTAMP\b/);
    expect(catalog.get('releaseIdempotencyKey').text).toMatch(/state = 'in-flight'$/);
  });

  test('when statements are prepared, then SQL has no final ";" and PL/SQL keeps its "END;"', () => {
    for (const name of catalog.names()) {
      const { text } = catalog.get(name);
      if (/^BEGIN\b/i.test(text)) expect(text).toMatch(/END;$/);
      else expect(text).not.toMatch(/;\s*$/);
    }
  });

  test('when a DML statement has RETURNING, then no bind is used both before and after it (node-oracledb NJS-149)', () => {
    // The installed driver's own parser checks every statement (oracle-constructs.test.ts); this
    // is the rule itself, readable: a placeholder may repeat, but not on both sides of RETURNING.
    for (const name of catalog.names()) {
      const { text } = catalog.get(name);
      const at = text.search(/\bRETURNING\b/i);
      if (at < 0 || /^BEGIN\b/.test(text)) continue;
      const before = new Set(bindNames(text.slice(0, at)));
      for (const b of bindNames(text.slice(at))) expect([name, b, before.has(b)]).toEqual([name, b, false]);
    }
  });

  test('when bind names are read, then they are short, unreserved identifiers', () => {
    const reserved = new Set([
      'date',
      'level',
      'size',
      'uid',
      'user',
      'rowid',
      'mode',
      'number',
      'order',
      'group',
      'file',
    ]);
    for (const name of catalog.names()) {
      for (const b of catalog.get(name).binds) {
        expect(Buffer.byteLength(b)).toBeLessThanOrEqual(30);
        expect(reserved.has(b)).toBe(false);
      }
    }
  });
});

describe('the repository around the statements', () => {
  test('when ids are not UUIDs, then no statement runs', async () => {
    const { db, calls } = recordingDb();
    const repo = new OracleRecordsRepository(db, catalog);
    for (const id of ['', 'nope']) {
      expect(await repo.findById(id)).toBeNull();
      expect(await repo.findVersion(id)).toBeNull();
      expect(await repo.updatePayload(id, '{}' as JsonText, null)).toBeNull();
      expect(await repo.delete(id, null)).toBeNull();
    }
    expect(calls).toEqual([]);
  });

  test('when a user id is empty, then nothing is sent (Oracle would store NULL)', async () => {
    const { db, calls } = recordingDb();
    const repo = new OracleRecordsRepository(db, catalog);
    await expect(repo.insert({ id: ID, userId: '', payload: '{}' as JsonText })).rejects.toMatchObject({
      status: 400,
    });
    await expect(repo.insertMany([{ id: ID, userId: '', payload: '{}' as JsonText }])).rejects.toMatchObject({
      status: 400,
    });
    expect(calls).toEqual([]);
  });

  test('when a batch spans chunks, then one session runs them under the bulk call timeout, commits with the last, and shares the time', async () => {
    const { db, calls, sessions, callTimeouts } = recordingDb();
    const repo = new OracleRecordsRepository(db, catalog, { maxItems: 2, maxBytes: 1 << 20 });
    const batch = Array.from({ length: 5 }, (_, i) => ({
      id: `0190f5e4-7a1b-7c2d-8e3f-${String(i).padStart(12, '0')}`,
      userId: 'u1',
      payload: `{"i":${i}}` as JsonText,
    }));
    const rows = await repo.insertMany(batch);
    expect(sessions()).toBe(1);
    expect(callTimeouts).toEqual([BULK_CALL_TIMEOUT_MS]);
    expect(calls.map((c) => c.options?.autoCommit)).toEqual([false, false, true]);
    expect(calls.map((c) => c.binds.expected_count?.val)).toEqual([2, 2, 1]);
    expect(calls.map((c) => c.binds.created_at?.val)).toEqual([null, AT, AT]);
    expect(rows.map((r) => r.id)).toEqual(batch.map((b) => b.id));
    expect(new Set(rows.map((r) => r.createdAt.getTime()))).toEqual(new Set([AT.getTime()]));
  });

  test('when a list runs, then it fetches the page in one round trip', async () => {
    const { db, calls } = recordingDb();
    await new OracleRecordsRepository(db, catalog).listByUser({
      userId: 'u1',
      limit: 21,
      createdAfter: null,
      createdBefore: null,
      after: null,
    });
    expect(calls[0]?.options).toEqual({ fetchArraySize: 21, prefetchRows: 22 });
  });
});

describe('migrations and packages', () => {
  const scripts = [...loadOracleMigrations(), ...loadOraclePackages()];
  const ddl = scripts.flatMap((s) => s.statements.map((st) => st.text)).join('\n');

  test('when the migrations load, then they are numbered in order', () => {
    expect(loadOracleMigrations().map((m) => m.version)).toEqual([
      '0001_create_records',
      '0002_create_idempotency_keys',
      '0003_idempotency_lease',
    ]);
  });

  test('when the lease migration is split, then it adds the token and the lease end to idempotency_keys', () => {
    const texts = loadOracleMigrations()[2]?.statements.map((s) => s.text) ?? [];
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^ALTER TABLE idempotency_keys ADD \(/);
    expect(texts[0]).toMatch(/lease_token\s+VARCHAR2\(36 BYTE\),/);
    expect(texts[0]).toMatch(/lease_until\s+TIMESTAMP\(3\) WITH TIME ZONE\s*\)$/);
  });

  test('when a record is updated or deleted, then its time is read as the row is locked and never goes below the last updated_at', () => {
    expect(catalog.get('updateRecordPayload').text).toMatch(
      /updated_at = GREATEST\(SYSTIMESTAMP, updated_at, created_at\),/,
    );
    expect(catalog.get('deleteRecord').text).toMatch(
      /RETURNING user_id, version, GREATEST\(SYSTIMESTAMP, updated_at, created_at\)\s+INTO :out_user_id, :out_version, :out_deleted_at$/,
    );
  });

  test('when the idempotency migration is split, then it is the table keyed by (subject, key) and the expiry index', () => {
    const texts = loadOracleMigrations()[1]?.statements.map((s) => s.text) ?? [];
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^CREATE TABLE idempotency_keys \(/);
    for (const column of [
      /subject\s+VARCHAR2\(256 CHAR\)\s+NOT NULL/,
      /key\s+VARCHAR2\(255 BYTE\)\s+NOT NULL/,
      /fingerprint\s+VARCHAR2\(64 BYTE\)\s+NOT NULL/,
      /state\s+VARCHAR2\(16 BYTE\)\s+NOT NULL/,
      /status\s+NUMBER\(3\),/,
      /headers\s+JSON,/,
      /body\s+BLOB,/,
      /created_at\s+TIMESTAMP\(3\) WITH TIME ZONE\s+NOT NULL/,
      /expires_at\s+TIMESTAMP\(3\) WITH TIME ZONE\s+NOT NULL/,
    ]) {
      expect(texts[0]).toMatch(column);
    }
    expect(texts[0]).toMatch(/CONSTRAINT idempotency_keys_pk PRIMARY KEY \(subject, key\)/);
    expect(texts[0]).toMatch(/CHECK \(state IN \('in-flight', 'done'\)\)/);
    expect(texts[1]).toBe('CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)');
    for (const t of texts) expect(t).not.toMatch(/;\s*$/);
  });

  test('when the first migration is split, then it is the interval-partitioned table and its local index, and no domain index', () => {
    const [first] = loadOracleMigrations();
    expect(first?.version).toBe('0001_create_records');
    const texts = first?.statements.map((s) => s.text) ?? [];
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/PARTITION BY RANGE \(created_utc\) INTERVAL \(NUMTOYMINTERVAL\(1, 'MONTH'\)\)/);
    expect(texts[0]).toMatch(/payload\s+JSON \(OBJECT\)\s+NOT NULL/);
    expect(texts[0]).not.toMatch(/JSON_VALUE\(payload, '\$\.type\(\)'\)/);
    expect(texts[0]).toMatch(/TIMESTAMP\(3\) WITH TIME ZONE/);
    expect(texts[1]).toBe(
      'CREATE INDEX records_user_created_idx ON records (user_id, created_utc, id) LOCAL',
    );
    // ORA-14762: no domain index (a JSON search index is one) on an interval-partitioned table.
    expect(ddl).not.toMatch(/\bSEARCH INDEX\b|\bINDEXTYPE\b/i);
    for (const t of texts) expect(t).not.toMatch(/;\s*$/);
  });

  test('when packages load, then the spec comes before the body, each is one unit, and the name carries its version', () => {
    expect(loadOraclePackages().map((p) => [p.version, p.object, p.statements.length])).toEqual([
      ['package:records_api_v1.pks', { name: 'RECORDS_API_V1', type: 'PACKAGE' }, 1],
      ['package:records_api_v1.pkb', { name: 'RECORDS_API_V1', type: 'PACKAGE BODY' }, 1],
    ]);
    // The bulk statement calls the one version that exists.
    expect(catalog.get('bulkInsertRecords').text).toMatch(/^BEGIN\s+records_api_v1\.bulk_insert\(/);
  });

  test('when identifiers are created, then none is longer than 128 bytes', () => {
    const names = [
      ...ddl.matchAll(
        /\b(?:TABLE|INDEX|CONSTRAINT|PARTITION|PACKAGE(?: BODY)?|PROCEDURE|TYPE)\s+(?:IF NOT EXISTS\s+)?("?[\w$#]+"?)/gi,
      ),
    ].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(7);
    for (const n of names) expect([n, Buffer.byteLength(n) <= 128]).toEqual([n, true]);
  });

  test('when the bulk statement calls the package, then it passes exactly the parameters the spec declares', () => {
    const spec = readFileSync(join(ORACLE_PACKAGES_DIR, 'records_api_v1.pks'), 'utf8');
    const declared = [...spec.matchAll(/^\s+(p_\w+)\s+IN\b/gm)].map((m) => m[1]);
    const passed = [...catalog.get('bulkInsertRecords').text.matchAll(/(p_\w+)\s*=>/g)].map((m) => m[1]);
    expect(passed).toEqual(declared);
  });

  test('when the packages raise application errors, then exactly those codes are mapped, and each spec lists its own', () => {
    const raised = new Set<number>();
    for (const file of readdirSync(ORACLE_PACKAGES_DIR).filter((f) => f.endsWith('.pkb'))) {
      const body = readFileSync(join(ORACLE_PACKAGES_DIR, file), 'utf8');
      const spec = readFileSync(join(ORACLE_PACKAGES_DIR, file.replace(/\.pkb$/, '.pks')), 'utf8');
      for (const m of body.matchAll(/RAISE_APPLICATION_ERROR\(-(\d+)/g)) {
        raised.add(Number(m[1]));
        expect([file, spec.includes(`-${m[1]}`)]).toEqual([file, true]);
      }
    }
    // Mapped codes nobody raises would turn Oracle's own -20xxx errors into 400s.
    expect([...raised].sort()).toEqual(Object.keys(RECORDS_API_ERRORS).map(Number).sort());
  });
});
