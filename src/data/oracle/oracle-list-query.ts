/**
 * The list on Oracle: which of the four statement variants of sql/oracle/queries/records.sql a
 * page needs, and its binds. One variant per combination of bounds, rather than one statement
 * with `(:x IS NULL OR ...)` filters: a condition that may be switched off is a filter, not an
 * index access predicate, and does not prune partitions. Pure code, pinned by unit tests.
 */
import { AppError } from '../../domain/errors.js';
import type { ListQuery } from '../../domain/records.js';
import { oracledb, type OracleBinds, type OracleExecuteOptions } from './oracle-database.js';
import { isUuid, uuidToRaw } from './oracle-records-binds.js';

export const ORACLE_LIST_STATEMENTS = [
  'listRecordsByUser',
  'listRecordsByUserAfter',
  'listRecordsByUserBefore',
  'listRecordsByUserBetween',
] as const;

export type OracleListStatementName = (typeof ORACLE_LIST_STATEMENTS)[number];

/** The smallest RAW(16): paired with created_before, "(t, id) < (before, this)" is "t < before". */
const SMALLEST_ID = Buffer.alloc(16);

/** A keyset position: rows strictly before (at, id) in (created_utc, id) order. */
interface Position {
  at: Date;
  id: Buffer;
}

/** The tighter (earlier) of two upper bounds, either possibly absent. */
function earlier(a: Position | null, b: Position | null): Position | null {
  if (!a || !b) return a ?? b;
  const t = a.at.getTime() - b.at.getTime();
  if (t !== 0) return t < 0 ? a : b;
  return Buffer.compare(a.id, b.id) <= 0 ? a : b;
}

export interface ListCall {
  name: OracleListStatementName;
  binds: OracleBinds;
  options: OracleExecuteOptions;
}

/**
 * The statement and binds of one page. The upper bound is the cursor or created_before,
 * whichever comes first: both are exclusive, and created_before is the position (created_before,
 * smallest id). Dates travel as TIMESTAMP WITH TIME ZONE in UTC; the statements turn them into
 * the partition key's plain UTC TIMESTAMP with SYS_EXTRACT_UTC.
 */
export function listCall(q: ListQuery): ListCall {
  if (q.after && !isUuid(q.after.id)) {
    throw new AppError('invalidCursor', { detail: 'The cursor does not name a record id.' });
  }
  const cursor = q.after ? { at: q.after.createdAt, id: uuidToRaw(q.after.id) } : null;
  const before = q.createdBefore ? { at: q.createdBefore, id: SMALLEST_ID } : null;
  const upper = earlier(cursor, before);
  const db = oracledb();
  const binds: OracleBinds = {
    user_id: { type: db.DB_TYPE_VARCHAR, val: q.userId },
    max_rows: { type: db.DB_TYPE_NUMBER, val: q.limit },
  };
  if (q.createdAfter) binds.after_at = { type: db.DB_TYPE_TIMESTAMP_TZ, val: q.createdAfter };
  if (upper) {
    binds.before_at = { type: db.DB_TYPE_TIMESTAMP_TZ, val: upper.at };
    binds.before_id = { type: db.DB_TYPE_RAW, val: upper.id };
  }
  const name: OracleListStatementName = q.createdAfter
    ? upper
      ? 'listRecordsByUserBetween'
      : 'listRecordsByUserAfter'
    : upper
      ? 'listRecordsByUserBefore'
      : 'listRecordsByUser';
  // One round trip for the page: fetchArraySize rows, plus one prefetched to see the end.
  return { name, binds, options: { fetchArraySize: q.limit, prefetchRows: q.limit + 1 } };
}
