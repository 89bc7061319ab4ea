/**
 * The pure half of the Oracle records repository: id conversion, the bind objects of every
 * statement, row mapping and bulk chunking. Nothing here talks to a database, so unit tests
 * pin it without an Oracle server.
 */
import { AppError } from '../../domain/errors.js';
import type { JsonObject, JsonText } from '../../domain/json-value.js';
import type { NewRecord, StoredRecord, DeletedRecord } from '../../domain/records.js';
import { oracledb, type OracleBind, type OracleBinds } from './oracle-database.js';
import { oracleJsonValue, oraclePayloadText } from './oracle-json-numbers.js';

// Ids are UUIDs stored as RAW(16): half the bytes of VARCHAR2(36), byte order equal to the text
// order of lowercase UUIDs (as PostgreSQL's uuid), and any letter case of input finds the row.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export function uuidToRaw(id: string): Buffer {
  if (!isUuid(id)) throw new Error(`not a UUID: ${JSON.stringify(id)}`);
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

export function rawToUuid(raw: Buffer): string {
  if (raw.length !== 16) throw new Error(`an id of ${raw.length} bytes is not a UUID`);
  const hex = raw.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A row as node-oracledb returns it with OUT_FORMAT_OBJECT (unquoted names come upper case). */
export interface OracleRecordRow {
  ID: Buffer;
  USER_ID: string;
  PAYLOAD: JsonObject;
  CREATED_AT: Date;
  UPDATED_AT: Date;
  VERSION: number;
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v);
}

/** Maps a fetched row; a row of another shape means the schema and the code disagree. */
export function rowToRecord(row: OracleRecordRow): StoredRecord {
  if (!Buffer.isBuffer(row.ID)) throw new Error('records.id did not arrive as RAW bytes');
  if (!(row.CREATED_AT instanceof Date) || !(row.UPDATED_AT instanceof Date)) {
    throw new Error('records timestamps did not arrive as Date (is the column TIMESTAMP WITH TIME ZONE?)');
  }
  if (!isPlainObject(row.PAYLOAD)) throw new Error('records.payload did not arrive as a JSON object');
  return {
    id: rawToUuid(row.ID),
    userId: row.USER_ID,
    payload: oraclePayloadText(row.PAYLOAD),
    createdAt: row.CREATED_AT,
    updatedAt: row.UPDATED_AT,
    version: row.VERSION,
  };
}

/** Oracle stores '' as NULL: an empty user id must be refused before it becomes one. */
export function assertStorableUserId(userId: string, pointer = '/user_id'): void {
  if (userId === '') {
    throw new AppError('validationFailed', {
      detail: 'The user id is empty.',
      errors: [{ location: 'body', pointer, detail: 'must not be empty' }],
    });
  }
}

const raw = (id: string): OracleBind => ({ type: oracledb().DB_TYPE_RAW, val: uuidToRaw(id) });
const json = (payload: JsonText): OracleBind => ({ type: oracledb().DB_TYPE_JSON, val: oracleJsonValue(payload) });
const version = (v: number | null): OracleBind => ({ type: oracledb().DB_TYPE_NUMBER, val: v });
const out = (type: OracleBind['type'], maxSize?: number): OracleBind =>
  maxSize === undefined ? { dir: oracledb().BIND_OUT, type } : { dir: oracledb().BIND_OUT, type, maxSize };

export function insertRecordBinds(record: NewRecord): OracleBinds {
  return {
    id: raw(record.id),
    user_id: { type: oracledb().DB_TYPE_VARCHAR, val: record.userId },
    payload: json(record.payload),
    out_created_at: out(oracledb().DB_TYPE_TIMESTAMP_TZ),
    out_updated_at: out(oracledb().DB_TYPE_TIMESTAMP_TZ),
    out_version: out(oracledb().DB_TYPE_NUMBER),
  };
}

export function idBinds(id: string): OracleBinds {
  return { id: raw(id) };
}

export function updatePayloadBinds(id: string, payload: JsonText, expected: number | null): OracleBinds {
  return {
    id: raw(id),
    payload: json(payload),
    expected_version: version(expected),
    out_user_id: out(oracledb().DB_TYPE_VARCHAR, 512),
    out_created_at: out(oracledb().DB_TYPE_TIMESTAMP_TZ),
    out_updated_at: out(oracledb().DB_TYPE_TIMESTAMP_TZ),
    out_version: out(oracledb().DB_TYPE_NUMBER),
  };
}

export function deleteBinds(id: string, expected: number | null): OracleBinds {
  return {
    id: raw(id),
    expected_version: version(expected),
    out_user_id: out(oracledb().DB_TYPE_VARCHAR, 512),
    out_version: out(oracledb().DB_TYPE_NUMBER),
    out_deleted_at: out(oracledb().DB_TYPE_TIMESTAMP_TZ),
  };
}

/** What a DELETE ... RETURNING gave back, or null when it deleted nothing. */
export function deletedRecord(outBinds: Record<string, unknown> | undefined): DeletedRecord | null {
  const userId = returned<string>(outBinds, 'out_user_id');
  const deletedVersion = returned<number>(outBinds, 'out_version');
  const deletedAt = returned<Date>(outBinds, 'out_deleted_at');
  if (userId === undefined || deletedVersion === undefined || deletedAt === undefined) return null;
  return { userId, version: deletedVersion, deletedAt };
}

/** The one value of a DML RETURNING OUT bind (node-oracledb returns each as an array). */
function returned<T>(outBinds: Record<string, unknown> | undefined, name: string): T | undefined {
  const v = outBinds?.[name];
  if (!Array.isArray(v)) return undefined;
  if (v.length > 1) throw new Error(`RETURNING ${name} matched ${v.length} rows; expected at most one`);
  return v[0] as T | undefined;
}

/**
 * Builds the stored record from what was sent and what RETURNING gave back, or null when the
 * statement matched no row. The payload is the one bound: the JSON type keeps it exactly.
 */
export function returningToRecord(
  sent: { id: string; userId?: string; payload: JsonText },
  outBinds: Record<string, unknown> | undefined,
): StoredRecord | null {
  const createdAt = returned<Date>(outBinds, 'out_created_at');
  const updatedAt = returned<Date>(outBinds, 'out_updated_at');
  const ver = returned<number>(outBinds, 'out_version');
  if (createdAt === undefined || updatedAt === undefined || ver === undefined) return null;
  const userId = sent.userId ?? returned<string>(outBinds, 'out_user_id');
  if (userId === undefined) throw new Error('RETURNING gave no user_id');
  return { id: rawToUuid(uuidToRaw(sent.id)), userId, payload: sent.payload, createdAt, updatedAt, version: ver };
}

export interface BulkLimits {
  /** Most rows in one call. */
  maxItems: number;
  /** Most serialized payload bytes in one call, so that a round trip stays well inside its timeout. */
  maxBytes: number;
}

/**
 * 1000 rows (the contract's most) or 2 MiB of payload, twice the default BODY_LIMIT_BYTES: with
 * the default limits every batch is one call; a larger body limit gives chunks of at most 2 MiB,
 * each with its own ORACLE_BULK_CALL_TIMEOUT_MS.
 */
export const BULK_LIMITS: BulkLimits = { maxItems: 1000, maxBytes: 2 * 1024 * 1024 };

/**
 * Splits a batch, in input order, into calls of at most maxItems rows and maxBytes of payload;
 * a single larger row goes alone.
 */
export function chunkForBulk(records: NewRecord[], limits: BulkLimits = BULK_LIMITS): NewRecord[][] {
  const chunks: NewRecord[][] = [];
  let current: NewRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = Buffer.byteLength(r.payload);
    if (current.length > 0 && (current.length >= limits.maxItems || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Binds for records_api_v1.bulk_insert: the chunk as one JSON array of {id (32 hex digits),
 * user_id, payload} bound as DB_TYPE_JSON (no PL/SQL collection: the package reads it with
 * JSON_TABLE), the count the package checks it against, and the creation time, IN OUT so every
 * chunk of a batch shares it.
 */
export function bulkInsertBinds(chunk: NewRecord[], createdAt: Date | null): OracleBinds {
  if (chunk.length === 0) throw new Error('a bulk insert call needs at least one record');
  const items = chunk.map((r) => ({
    id: uuidToRaw(r.id).toString('hex'),
    user_id: r.userId,
    payload: oracleJsonValue(r.payload),
  }));
  return {
    items: { type: oracledb().DB_TYPE_JSON, val: items },
    expected_count: { type: oracledb().DB_TYPE_NUMBER, val: items.length },
    created_at: { dir: oracledb().BIND_INOUT, type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: createdAt },
  };
}

/** The rows of a successful batch, in input order, all created at the instant the package chose. */
export function bulkRecords(records: NewRecord[], createdAt: Date): StoredRecord[] {
  return records.map((r) => ({
    id: rawToUuid(uuidToRaw(r.id)),
    userId: r.userId,
    payload: r.payload,
    createdAt,
    updatedAt: createdAt,
    version: 1,
  }));
}
