/**
 * The Oracle statements over a range of a user's list that always have both bounds: a filtered
 * page (listRecordsContaining), the position some rows down (findListPosition) and an erase
 * batch (eraseRecords). A bound the request does not have is the first or the last instant, so
 * each statement has one form (oracle-list-query.ts says why no condition is optional). Pure
 * code, pinned by unit tests.
 */
import { AppError } from '../../domain/errors.js';
import type { ListPosition, ListQuery, ListRange, ScanQuery } from '../../domain/records.js';
import { oracledb, type OracleBinds, type OracleExecuteOptions } from './oracle-database.js';
import { containsCondition } from './oracle-payload-filter.js';
import { isUuid, rawToUuid, uuidToRaw } from './oracle-records-binds.js';
import { prepareStatement, type OracleStatement } from './oracle-sql.js';

/** Before every record: created_at comes from SYSTIMESTAMP, never this early. */
const FIRST_INSTANT = new Date(Date.parse('0001-01-01T00:00:00.000Z'));
/** After every record, with the largest id. */
const LAST_INSTANT = new Date(Date.parse('9999-12-31T23:59:59.999Z'));
const SMALLEST_ID = Buffer.alloc(16);
const LARGEST_ID = Buffer.alloc(16, 0xff);

interface Position {
  at: Date;
  id: Buffer;
}

function rawPosition(p: ListPosition): Position {
  if (!isUuid(p.id)) throw new AppError('invalidCursor', { detail: 'The cursor does not name a record id.' });
  return { at: p.createdAt, id: uuidToRaw(p.id) };
}

/** The exclusive upper bound of a list query: the earlier of its cursor and created_before. */
function upperOf(q: Omit<ScanQuery, 'skip'>): Position {
  const cursor = q.after ? rawPosition(q.after) : null;
  const before = q.createdBefore ? { at: q.createdBefore, id: SMALLEST_ID } : null;
  if (!cursor || !before) return cursor ?? before ?? { at: LAST_INSTANT, id: LARGEST_ID };
  const t = cursor.at.getTime() - before.at.getTime();
  if (t !== 0) return t < 0 ? cursor : before;
  return Buffer.compare(cursor.id, before.id) <= 0 ? cursor : before;
}

function boundBinds(q: Omit<ScanQuery, 'skip'>): OracleBinds {
  const db = oracledb();
  const upper = upperOf(q);
  return {
    user_id: { type: db.DB_TYPE_VARCHAR, val: q.userId },
    after_at: { type: db.DB_TYPE_TIMESTAMP_TZ, val: q.createdAfter ?? FIRST_INSTANT },
    before_at: { type: db.DB_TYPE_TIMESTAMP_TZ, val: upper.at },
    before_id: { type: db.DB_TYPE_RAW, val: upper.id },
  };
}

export interface RangeCall {
  stmt: OracleStatement;
  binds: OracleBinds;
  options: OracleExecuteOptions;
}

const SLOT = '{{payload_contains}}';

/**
 * A filtered page: the template with its slot holding the filter's JSON_EXISTS condition. Each
 * filter shape is a statement text of its own (the path is a literal, as JSON_EXISTS requires);
 * the values are binds, so the same shape with other values is the same text.
 */
export function containingCall(template: OracleStatement, q: ListQuery): RangeCall {
  if (!q.contains) throw new Error('containingCall needs a payload filter');
  if (template.text.split(SLOT).length !== 2) throw new Error(`${template.name} must hold ${SLOT} once`);
  const { condition, binds: filterBinds } = containsCondition(q.contains.filter.value);
  const floor = q.contains.floor ? rawPosition(q.contains.floor) : { at: FIRST_INSTANT, id: SMALLEST_ID };
  const db = oracledb();
  // Split and join: String.replace would read `$'` of the path '$' as a pattern.
  const stmt = prepareStatement(template.name, template.text.split(SLOT).join(condition));
  const binds: OracleBinds = {
    ...boundBinds(q),
    floor_at: { type: db.DB_TYPE_TIMESTAMP_TZ, val: floor.at },
    floor_id: { type: db.DB_TYPE_RAW, val: floor.id },
    max_rows: { type: db.DB_TYPE_NUMBER, val: q.limit },
    ...filterBinds,
  };
  return { stmt, binds, options: { fetchArraySize: q.limit, prefetchRows: q.limit + 1 } };
}

/** The position `skip` rows below the top of the query's range. */
export function positionBinds(q: ScanQuery): OracleBinds {
  return { ...boundBinds(q), skip_rows: { type: oracledb().DB_TYPE_NUMBER, val: q.skip } };
}

/** The position findListPosition returned, or null. */
export function rowToPosition(row: { CREATED_AT: Date; ID: Buffer } | undefined): ListPosition | null {
  return row ? { createdAt: row.CREATED_AT, id: rawToUuid(row.ID) } : null;
}

/** An erase batch: the range's binds, and the OUT arrays of the ids and versions it deletes. */
export function eraseBinds(userId: string, range: ListRange): OracleBinds {
  const db = oracledb();
  const below = range.below ? rawPosition(range.below) : { at: LAST_INSTANT, id: LARGEST_ID };
  const from = range.from ? rawPosition(range.from) : { at: FIRST_INSTANT, id: SMALLEST_ID };
  return {
    user_id: { type: db.DB_TYPE_VARCHAR, val: userId },
    below_at: { type: db.DB_TYPE_TIMESTAMP_TZ, val: below.at },
    below_id: { type: db.DB_TYPE_RAW, val: below.id },
    from_at: { type: db.DB_TYPE_TIMESTAMP_TZ, val: from.at },
    from_id: { type: db.DB_TYPE_RAW, val: from.id },
    out_id: { dir: db.BIND_OUT, type: db.DB_TYPE_RAW, maxSize: 16 },
    out_version: { dir: db.BIND_OUT, type: db.DB_TYPE_NUMBER },
  };
}

/** What an erase batch deleted: node-oracledb returns each RETURNING column as an array, a row each. */
export function erasedRecords(outBinds: Record<string, unknown> | undefined): { id: string; version: number }[] {
  const ids = outBinds?.out_id;
  const versions = outBinds?.out_version;
  if (!Array.isArray(ids) || !Array.isArray(versions) || ids.length !== versions.length) {
    throw new Error('DELETE ... RETURNING gave no arrays of the same length');
  }
  return ids.map((id, i) => ({ id: rawToUuid(id as Buffer), version: versions[i] as number }));
}
