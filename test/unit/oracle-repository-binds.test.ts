/**
 * The pure half of the Oracle repository, without a server: ids, row mapping, the bind objects
 * of each statement, bulk chunking and array building, and which JSON numbers Oracle can keep.
 * JSON checks use the installed node-oracledb's own OSON encoder and decoder, the code that turns
 * a payload into the bytes a JSON column receives.
 */
import { createRequire } from 'node:module';
import { AppError } from '../../src/domain/errors.js';
import { oracledb } from '../../src/data/oracle/oracle-database.js';
import {
  assertStorablePayload,
  assertStorableUserId,
  bulkInsertBinds,
  bulkRecords,
  chunkForBulk,
  deleteBinds,
  deletedRecord,
  findUnstorableNumber,
  idBinds,
  insertRecordBinds,
  isOracleNumber,
  isUuid,
  listBinds,
  listFetchOptions,
  rawToUuid,
  returningToRecord,
  rowToRecord,
  updatePayloadBinds,
  uuidToRaw,
  type OracleRecordRow,
} from '../../src/data/oracle/oracle-records-binds.js';
import type { JsonObject } from '../../src/domain/json-value.js';

const require = createRequire(import.meta.url);
const { OsonEncoder, OsonDecoder } = require('oracledb/lib/impl/datahandlers/oson.js') as {
  OsonEncoder: new () => { encode(value: unknown, maxFieldNameSize: number): Buffer };
  OsonDecoder: new (buf: Buffer) => { decode(): unknown };
};
const { transformJsonValue } = require('oracledb/lib/transformer.js') as {
  transformJsonValue(v: unknown): unknown;
};

/** Encodes as node-oracledb does for a DB_TYPE_JSON bind (23ai field-name limit) and decodes back. */
function throughOson(value: unknown): unknown {
  return new OsonDecoder(new OsonEncoder().encode(transformJsonValue(value), 65535)).decode();
}
/** True when the driver encodes n without NJS-115 and decodes exactly n back. */
function driverKeeps(n: number): boolean {
  try {
    return Object.is((throughOson({ n }) as { n: number }).n, n === 0 ? 0 : n);
  } catch (err) {
    if ((err as { code?: string }).code === 'NJS-115') return false;
    throw err;
  }
}

const ID = '0190f5e4-7a1b-7c2d-8e3f-123456789abc';
const AT = new Date('2025-03-04T05:06:07.891Z');

describe('ids', () => {
  test('when a UUID goes to RAW(16) and back, then it is the same lowercase UUID', () => {
    const raw = uuidToRaw(ID.toUpperCase());
    expect(raw).toHaveLength(16);
    expect(raw.toString('hex')).toBe(ID.replace(/-/g, ''));
    expect(rawToUuid(raw)).toBe(ID);
  });

  test('when an id is not a UUID, then it is refused before any SQL', () => {
    for (const bad of ['', 'nope', `${ID}0`, ID.replace(/-/g, '')]) {
      expect(isUuid(bad)).toBe(false);
      expect(() => uuidToRaw(bad)).toThrow('not a UUID');
    }
    expect(() => rawToUuid(Buffer.alloc(15))).toThrow('15 bytes');
  });
});

describe('rows', () => {
  const row: OracleRecordRow = {
    ID: uuidToRaw(ID),
    USER_ID: 'user123',
    PAYLOAD: { a: 1 },
    CREATED_AT: AT,
    UPDATED_AT: AT,
    VERSION: 3,
  };

  test('when a fetched row is mapped, then it is a StoredRecord with a UUID string id', () => {
    expect(rowToRecord(row)).toEqual({
      id: ID,
      userId: 'user123',
      payload: { a: 1 },
      createdAt: AT,
      updatedAt: AT,
      version: 3,
    });
  });

  test('when a row has another shape, then mapping fails loudly rather than guess', () => {
    expect(() => rowToRecord({ ...row, ID: ID as unknown as Buffer })).toThrow('RAW');
    expect(() => rowToRecord({ ...row, CREATED_AT: '2025-03-04' as unknown as Date })).toThrow('Date');
    expect(() => rowToRecord({ ...row, PAYLOAD: '{"a":1}' as unknown as JsonObject })).toThrow('JSON object');
    expect(() => rowToRecord({ ...row, PAYLOAD: [1] as unknown as JsonObject })).toThrow('JSON object');
  });
});

describe("Oracle's traps", () => {
  test('when a user id is empty, then it is refused (Oracle would store NULL)', () => {
    const err = (() => {
      try {
        assertStorableUserId('', '/items/4/user_id');
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([
      { location: 'body', pointer: '/items/4/user_id', detail: 'must not be empty' },
    ]);
    expect(() => assertStorableUserId('u')).not.toThrow();
  });

  test('when numbers are checked, then isOracleNumber accepts exactly those the driver keeps', () => {
    const samples = [
      0,
      -0,
      1,
      -1,
      0.1,
      3.141592653589793,
      9007199254740991,
      -9007199254740991,
      1e125,
      9.99e125,
      9.999999999999999e125,
      1e126,
      1.5e126,
      1e-130,
      1.5e-130,
      2e-130,
      9.99e-131,
      1e-131,
      5e-324,
      1.7976931348623157e308,
      123456789.12345679,
      2 ** 60,
      1 / 3,
    ];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) samples.push((random() - 0.5) * 10 ** Math.floor(random() * 600 - 300));
    for (const n of samples) expect([n, isOracleNumber(n)]).toEqual([n, driverKeeps(n)]);
  });

  test('when a number is just past NUMBER range, then it is refused although the driver would corrupt it silently', () => {
    // node-oracledb 26 encodes 1.5e126 without NJS-115, and it reads back as another number.
    const back = (throughOson({ n: 1.5e126 }) as { n: number }).n;
    expect(back).not.toBe(1.5e126);
    expect(isOracleNumber(1.5e126)).toBe(false);
  });

  test('when an accepted number goes through the JSON type encoding, then it comes back identical', () => {
    const payload = {
      empty: '',
      nested: { '': '', list: ['', 0, -1.5, true, false, null] },
      safe: 9007199254740991,
      pi: 3.141592653589793,
      tenth: 0.1,
      big: 9.99e125,
      small: 1e-130,
      unicode: 'ação 日本語 🚀 \u2028',
      quote: `it's "quoted" \\ back`,
    };
    expect(findUnstorableNumber(payload)).toBeNull();
    expect(throughOson(payload)).toEqual(payload);
  });

  test('when a number is outside Oracle NUMBER, then the payload is refused with its pointer', () => {
    expect(findUnstorableNumber({ a: { 'b/c': [1, 5e-324] } })).toBe('/a/b~1c/1');
    expect(findUnstorableNumber({ max: 1.7976931348623157e308 })).toBe('/max');
    try {
      assertStorablePayload({ ok: 1, max: 1.7976931348623157e308 });
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).spec.code).toBe('DAPI-4004');
      expect((e as AppError).errors?.[0]?.pointer).toBe('/payload/max');
    }
  });
});

describe('statement binds', () => {
  test('when a record is inserted, then id is RAW, payload JSON, and RETURNING has typed OUT binds', () => {
    const payload = { a: 1 };
    const b = insertRecordBinds({ id: ID, userId: 'u1', payload });
    expect(b.id).toEqual({ type: oracledb().DB_TYPE_RAW, val: uuidToRaw(ID) });
    expect(b.user_id).toEqual({ type: oracledb().DB_TYPE_VARCHAR, val: 'u1' });
    expect(b.payload).toEqual({ type: oracledb().DB_TYPE_JSON, val: payload });
    expect(b.out_created_at).toEqual({ dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ });
    expect(b.out_updated_at).toEqual({ dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ });
    expect(b.out_version).toEqual({ dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_NUMBER });
  });

  test('when a list has no filters, then every optional bind is a typed NULL', () => {
    const b = listBinds({ userId: 'u1', limit: 21, createdAfter: null, createdBefore: null, after: null });
    expect(b).toEqual({
      user_id: { type: oracledb().DB_TYPE_VARCHAR, val: 'u1' },
      created_after: { type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: null },
      created_before: { type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: null },
      cursor_created_at: { type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: null },
      cursor_id: { type: oracledb().DB_TYPE_RAW, val: null },
      max_rows: { type: oracledb().DB_TYPE_NUMBER, val: 21 },
    });
  });

  test('when a list has filters and a cursor, then they are bound as instants and RAW', () => {
    const before = new Date('2025-04-01T00:00:00.000Z');
    const b = listBinds({
      userId: 'u1',
      limit: 5,
      createdAfter: AT,
      createdBefore: before,
      after: { createdAt: AT, id: ID },
    });
    expect(b.created_after?.val).toBe(AT);
    expect(b.created_before?.val).toBe(before);
    expect(b.cursor_created_at).toEqual({ type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: AT });
    expect(b.cursor_id).toEqual({ type: oracledb().DB_TYPE_RAW, val: uuidToRaw(ID) });
    expect(() =>
      listBinds({
        ...{ userId: 'u', limit: 1, createdAfter: null, createdBefore: null },
        after: { createdAt: AT, id: 'x' },
      }),
    ).toThrow(AppError);
  });

  test('when a page of n rows is fetched, then n rows are buffered and one more prefetched', () => {
    expect(listFetchOptions(21)).toEqual({ fetchArraySize: 21, prefetchRows: 22 });
  });

  test('when an update or delete has no expected version, then it binds a NULL number (NVL keeps any)', () => {
    const u = updatePayloadBinds(ID, { v: 2 }, null);
    expect(u.expected_version).toEqual({ type: oracledb().DB_TYPE_NUMBER, val: null });
    expect(u.out_user_id).toEqual({
      dir: oracledb().BIND_OUT,
      type: oracledb().DB_TYPE_VARCHAR,
      maxSize: 512,
    });
    expect(deleteBinds(ID, 4)).toEqual({
      id: { type: oracledb().DB_TYPE_RAW, val: uuidToRaw(ID) },
      expected_version: { type: oracledb().DB_TYPE_NUMBER, val: 4 },
      out_user_id: { dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_VARCHAR, maxSize: 512 },
      out_version: { dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_NUMBER },
      out_deleted_at: { dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ },
    });
    expect(idBinds(ID)).toEqual({ id: { type: oracledb().DB_TYPE_RAW, val: uuidToRaw(ID) } });
  });

  test('when a DELETE returns its row, then the owner, the version removed and the time of the delete come back', () => {
    const outs = { out_user_id: ['u9'], out_version: [4], out_deleted_at: [AT] };
    expect(deletedRecord(outs)).toEqual({ userId: 'u9', version: 4, deletedAt: AT });
    expect(deletedRecord({ out_user_id: [], out_version: [], out_deleted_at: [] })).toBeNull();
  });

  test('when RETURNING gives one row, then the record is built; none gives null; two is an error', () => {
    const outs = { out_created_at: [AT], out_updated_at: [AT], out_version: [2], out_user_id: ['u9'] };
    expect(returningToRecord({ id: ID.toUpperCase(), payload: { v: 2 } }, outs)).toEqual({
      id: ID,
      userId: 'u9',
      payload: { v: 2 },
      createdAt: AT,
      updatedAt: AT,
      version: 2,
    });
    expect(returningToRecord({ id: ID, userId: 'u1', payload: {} }, outs)?.userId).toBe('u1');
    const none = { out_created_at: [], out_updated_at: [], out_version: [], out_user_id: [] };
    expect(returningToRecord({ id: ID, payload: {} }, none)).toBeNull();
    expect(() => returningToRecord({ id: ID, payload: {} }, { ...outs, out_version: [2, 3] })).toThrow(
      '2 rows',
    );
  });
});

describe('bulk insert', () => {
  const make = (n: number, payload: (i: number) => JsonObject = (i) => ({ i })) =>
    Array.from({ length: n }, (_, i) => ({
      id: `0190f5e4-7a1b-7c2d-8e3f-${String(i).padStart(12, '0')}`,
      userId: `u${i % 3}`,
      payload: payload(i),
    }));

  test('when a contract-sized batch is chunked, then it is one chunk in input order', () => {
    const batch = make(1000);
    const chunks = chunkForBulk(batch);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual(batch);
    expect(chunkForBulk([])).toEqual([]);
  });

  test('when a batch passes the item or byte limit, then chunks keep order and respect both limits', () => {
    const batch = make(10, (i) => ({ s: 'x'.repeat(i === 7 ? 500 : 10) }));
    const chunks = chunkForBulk(batch, { maxItems: 3, maxBytes: 100 });
    expect(chunks.flat()).toEqual(batch);
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 1, 1, 2]);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(3);
      const bytes = c.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.payload)), 0);
      if (c.length > 1) expect(bytes).toBeLessThanOrEqual(100);
    }
  });

  test('when a chunk is bound, then the arrays are parallel, sized to the chunk, and the payloads one JSON array', () => {
    const chunk = make(4);
    const b = bulkInsertBinds(chunk, null);
    expect(b.ids).toEqual({
      type: oracledb().DB_TYPE_RAW,
      val: chunk.map((r) => uuidToRaw(r.id)),
      maxArraySize: 4,
      maxSize: 16,
    });
    expect(b.user_ids).toEqual({
      type: oracledb().DB_TYPE_VARCHAR,
      val: ['u0', 'u1', 'u2', 'u0'],
      maxArraySize: 4,
      maxSize: 512,
    });
    expect(b.payloads).toEqual({ type: oracledb().DB_TYPE_JSON, val: chunk.map((r) => r.payload) });
    expect(b.expected_count).toEqual({ type: oracledb().DB_TYPE_NUMBER, val: 4 });
    expect(b.created_at).toEqual({
      dir: oracledb().BIND_INOUT,
      type: oracledb().DB_TYPE_TIMESTAMP_TZ,
      val: null,
    });
    expect(bulkInsertBinds(chunk, AT).created_at?.val).toBe(AT);
    expect(throughOson(b.payloads?.val)).toEqual(chunk.map((r) => r.payload));
  });

  test('when a chunk is empty, then no call is built (the package would refuse it too)', () => {
    expect(() => bulkInsertBinds([], null)).toThrow('at least one');
  });

  test('when a batch succeeded, then its records come back in input order with one creation time', () => {
    const batch = make(3);
    expect(bulkRecords(batch, AT)).toEqual(
      batch.map((r) => ({ ...r, createdAt: AT, updatedAt: AT, version: 1 })),
    );
  });
});
