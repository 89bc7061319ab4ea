/**
 * The pure half of the Oracle repository, without a server: ids, row mapping, the bind objects
 * of each statement, bulk chunking and the chunk's JSON value. JSON checks use the installed
 * node-oracledb's own OSON encoder and decoder, the code that turns a payload into the bytes a
 * JSON column receives. Which numbers Oracle keeps: oracle-json-numbers.test.ts.
 */
import { createRequire } from 'node:module';
import { AppError } from '../../src/domain/errors.js';
import { oracledb } from '../../src/data/oracle/oracle-database.js';
import {
  assertStorableUserId,
  BULK_LIMITS,
  bulkInsertBinds,
  bulkRecords,
  chunkForBulk,
  deleteBinds,
  deletedRecord,
  idBinds,
  insertRecordBinds,
  isUuid,
  rawToUuid,
  returningToRecord,
  rowToRecord,
  updatePayloadBinds,
  uuidToRaw,
  type OracleRecordRow,
} from '../../src/data/oracle/oracle-records-binds.js';
import { jsonTextOf, type JsonObject, type JsonText } from '../../src/domain/json-value.js';

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
      payload: '{"a":1}',
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
});

describe('statement binds', () => {
  test('when a record is inserted, then id is RAW, payload JSON, and RETURNING has typed OUT binds', () => {
    const payload = { a: 1 };
    const b = insertRecordBinds({ id: ID, userId: 'u1', payload: jsonTextOf(payload) });
    expect(b.id).toEqual({ type: oracledb().DB_TYPE_RAW, val: uuidToRaw(ID) });
    expect(b.user_id).toEqual({ type: oracledb().DB_TYPE_VARCHAR, val: 'u1' });
    expect(b.payload).toEqual({ type: oracledb().DB_TYPE_JSON, val: payload });
    expect(b.out_created_at).toEqual({ dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ });
    expect(b.out_updated_at).toEqual({ dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ });
    expect(b.out_version).toEqual({ dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_NUMBER });
  });

  test('when an update or delete has no expected version, then it binds a NULL number (NVL keeps any)', () => {
    const u = updatePayloadBinds(ID, '{"v":2}' as JsonText, null);
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
    const json = (v: JsonObject) => jsonTextOf(v);
    expect(returningToRecord({ id: ID.toUpperCase(), payload: json({ v: 2 }) }, outs)).toEqual({
      id: ID,
      userId: 'u9',
      payload: '{"v":2}',
      createdAt: AT,
      updatedAt: AT,
      version: 2,
    });
    expect(returningToRecord({ id: ID, userId: 'u1', payload: json({}) }, outs)?.userId).toBe('u1');
    const none = { out_created_at: [], out_updated_at: [], out_version: [], out_user_id: [] };
    expect(returningToRecord({ id: ID, payload: json({}) }, none)).toBeNull();
    expect(() => returningToRecord({ id: ID, payload: json({}) }, { ...outs, out_version: [2, 3] })).toThrow(
      '2 rows',
    );
  });
});

describe('bulk insert', () => {
  const make = (n: number, payload: (i: number) => JsonObject = (i) => ({ i })) =>
    Array.from({ length: n }, (_, i) => ({
      id: `0190f5e4-7a1b-7c2d-8e3f-${String(i).padStart(12, '0')}`,
      userId: `u${i % 3}`,
      payload: jsonTextOf(payload(i)),
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
      const bytes = c.reduce((n, r) => n + Buffer.byteLength(r.payload), 0);
      if (c.length > 1) expect(bytes).toBeLessThanOrEqual(100);
    }
  });

  test('when a chunk is bound, then it is one JSON array of {id, user_id, payload}, its count and the shared time', () => {
    const chunk = make(4);
    const b = bulkInsertBinds(chunk, null);
    expect(Object.keys(b).sort()).toEqual(['created_at', 'expected_count', 'items']);
    expect(b.items).toEqual({
      type: oracledb().DB_TYPE_JSON,
      val: chunk.map((r) => ({
        id: uuidToRaw(r.id).toString('hex'),
        user_id: r.userId,
        payload: JSON.parse(r.payload) as JsonObject,
      })),
    });
    // No array bind (maxArraySize): nothing is bound to a PL/SQL collection.
    expect(b.items).not.toHaveProperty('maxArraySize');
    expect(b.expected_count).toEqual({ type: oracledb().DB_TYPE_NUMBER, val: 4 });
    expect(b.created_at).toEqual({
      dir: oracledb().BIND_INOUT,
      type: oracledb().DB_TYPE_TIMESTAMP_TZ,
      val: null,
    });
    expect(bulkInsertBinds(chunk, AT).created_at?.val).toBe(AT);
  });

  test('when the items go through the driver JSON encoding, then ids are 32 hex digits and payloads come back identical', () => {
    const chunk = make(3, (i) => ({ i, nested: { list: [i, 'x', null, true], n: 0.1 + i } }));
    const items = throughOson(bulkInsertBinds(chunk, null).items?.val) as {
      id: string;
      user_id: string;
      payload: unknown;
    }[];
    expect(items.map((x) => x.id)).toEqual(chunk.map((r) => r.id.replace(/-/g, '')));
    for (const x of items) expect(x.id).toMatch(/^[0-9a-f]{32}$/);
    expect(items.map((x) => x.user_id)).toEqual(chunk.map((r) => r.userId));
    expect(items.map((x) => x.payload)).toEqual(chunk.map((r) => JSON.parse(r.payload) as JsonObject));
  });

  test('when the default chunk limits are read, then a batch the default body limit allows is one chunk of at most 2 MiB', () => {
    expect(BULK_LIMITS).toEqual({ maxItems: 1000, maxBytes: 2 * 1024 * 1024 });
    // 1 MiB of payloads (the default BODY_LIMIT_BYTES holds less than that) is one call.
    const batch = make(1000, () => ({ s: 'x'.repeat(1024) }));
    expect(chunkForBulk(batch)).toHaveLength(1);
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
