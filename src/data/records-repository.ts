/**
 * The records repository (src/domain/records.ts) on PostgreSQL, server or PGlite: the named
 * statements of sql/postgres/queries.
 */
import { compactJsonText, type JsonText } from '../domain/json-value.js';
import type {
  DeletedRecord,
  ErasedRecord,
  ListPosition,
  ListQuery,
  ListRange,
  NewRecord,
  RecordsRepository,
  ScanQuery,
  StoredRecord,
} from '../domain/records.js';
import type { Database } from './database.js';
import type { SqlCatalog, Statement } from './sql-catalog.js';

interface Row {
  id: string;
  user_id: string;
  /** jsonb as its text (payload::text in the statements): the driver parses nothing. */
  payload: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toRecord(row: Row): StoredRecord {
  if (typeof row.payload !== 'string') throw new Error('records.payload did not arrive as JSON text');
  return {
    id: row.id,
    userId: row.user_id,
    payload: compactJsonText(row.payload) as JsonText,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

// Ids are UUIDs in this schema; any other string names no record, so it never reaches SQL.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A day either side of the instant a UUIDv7 id was made: clocks of service and database may differ. */
const NEAR_MS = 86_400_000;
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * created_at bounds around the time in a UUIDv7 id (its first 48 bits, Unix milliseconds), so a
 * lookup by id reads one or two monthly partitions; null for other UUID versions.
 */
export function nearIdTime(id: string): { near_from: string; near_to: string } | null {
  if (id[14] !== '7') return null;
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  // 48 bits of milliseconds reach the year 10889; past 9999 the bound would be written +010000-…,
  // which timestamptz refuses (a 400 for a well-formed id): such an id is looked up anywhere.
  if (ms + NEAR_MS > LAST_INSTANT) return null;
  return {
    near_from: new Date(ms - NEAR_MS).toISOString(),
    near_to: new Date(ms + NEAR_MS).toISOString(),
  };
}

/** The items of a set-based insert: a JSON array of {"id", "user_id", "payload"}, payloads as their text. */
function itemsJson(records: NewRecord[]): string {
  return `[${records
    .map((r) => `{"id":${JSON.stringify(r.id)},"user_id":${JSON.stringify(r.userId)},"payload":${r.payload}}`)
    .join(',')}]`;
}

const ANYWHERE = { near_from: '-infinity', near_to: 'infinity' };
/** The cursor of the first page: after every row (statements take no NULL "no bound", see records.sql). */
const FIRST = { cursor_created_at: 'infinity', cursor_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
/** The floor of a scan that goes down to the oldest row. */
const LAST = { created_at: '-infinity', id: '00000000-0000-0000-0000-000000000000' };

/** The bounds every list statement takes (listRecordsByUser, listRecordsContaining, findListPosition). */
function listBounds(q: Omit<ScanQuery, 'skip'>): Record<string, unknown> {
  return {
    user_id: q.userId,
    created_after: q.createdAfter?.toISOString() ?? '-infinity',
    created_before: q.createdBefore?.toISOString() ?? 'infinity',
    cursor_created_at: q.after?.createdAt.toISOString() ?? FIRST.cursor_created_at,
    cursor_id: q.after?.id ?? FIRST.cursor_id,
  };
}

export const POSTGRES_RECORD_STATEMENTS = [
  'insertRecord',
  'bulkInsertRecords',
  'bulkInsertRecordsBare',
  'findRecordById',
  'listRecordsByUser',
  'listRecordsContaining',
  'findListPosition',
  'eraseRecords',
  'updateRecordPayload',
  'deleteRecord',
  'findRecordVersion',
] as const;

type StatementName = (typeof POSTGRES_RECORD_STATEMENTS)[number];

export class PostgresRecordsRepository implements RecordsRepository {
  private readonly sql: Record<StatementName, Statement>;

  constructor(
    private readonly db: Database,
    catalog: SqlCatalog,
  ) {
    this.sql = Object.fromEntries(POSTGRES_RECORD_STATEMENTS.map((n) => [n, catalog.get(n)])) as Record<
      StatementName,
      Statement
    >;
  }

  /**
   * Runs a statement by id first within the time its UUIDv7 id carries, then, when that matched
   * nothing, across the whole table: rows whose created_at is far from their id's time (loaded by
   * hand, other UUID versions) are found all the same, at the cost of a second statement.
   */
  private async byId<R>(stmt: Statement, values: Record<string, unknown> & { id: string }): Promise<R[]> {
    const near = nearIdTime(values.id);
    if (near) {
      const rows = await this.db.query<R>(stmt, { ...values, ...near });
      if (rows.length > 0) return rows;
    }
    return this.db.query<R>(stmt, { ...values, ...ANYWHERE });
  }

  async insert(record: NewRecord): Promise<StoredRecord> {
    const rows = await this.db.query<Row>(this.sql.insertRecord, {
      id: record.id,
      user_id: record.userId,
      payload: record.payload,
    });
    return toRecord(rows[0] as Row);
  }

  async insertMany(records: NewRecord[]): Promise<StoredRecord[]> {
    const rows = await this.db.query<Row>(this.sql.bulkInsertRecords, { items: itemsJson(records) });
    const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
    return records.map((r) => byId.get(r.id) as StoredRecord);
  }

  /**
   * One set-based statement, as insertMany, with nothing read back. Measured against COPY
   * (docs/performance.md): COPY in a transaction, with created_at from the database's clock,
   * took as long, and COPY with a read-back of the rows far longer than RETURNING.
   */
  async insertManyBare(records: NewRecord[]): Promise<Date> {
    const [row] = await this.db.query<{ created_at: Date; count: number }>(this.sql.bulkInsertRecordsBare, {
      items: itemsJson(records),
    });
    if (!row || row.count !== records.length) throw new Error('the bulk insert wrote another number of rows');
    return row.created_at;
  }

  async findById(id: string): Promise<StoredRecord | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.byId<Row>(this.sql.findRecordById, { id });
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listByUser(q: ListQuery): Promise<StoredRecord[]> {
    if (q.contains) {
      const { filter, floor } = q.contains;
      const rows = await this.db.query<Row>(this.sql.listRecordsContaining, {
        ...listBounds(q),
        floor_created_at: floor?.createdAt.toISOString() ?? LAST.created_at,
        floor_id: floor?.id ?? LAST.id,
        contains: filter.text,
        limit: q.limit,
      });
      return rows.map(toRecord);
    }
    const rows = await this.db.query<Row>(this.sql.listRecordsByUser, { ...listBounds(q), limit: q.limit });
    return rows.map(toRecord);
  }

  async positionAt(q: ScanQuery): Promise<ListPosition | null> {
    const rows = await this.db.query<{ created_at: Date; id: string }>(this.sql.findListPosition, {
      ...listBounds(q),
      skip: q.skip,
    });
    const row = rows[0];
    return row ? { createdAt: row.created_at, id: row.id } : null;
  }

  eraseRange(userId: string, range: ListRange): Promise<ErasedRecord[]> {
    return this.db.query<ErasedRecord>(this.sql.eraseRecords, {
      user_id: userId,
      below_created_at: range.below?.createdAt.toISOString() ?? FIRST.cursor_created_at,
      below_id: range.below?.id ?? FIRST.cursor_id,
      from_created_at: range.from?.createdAt.toISOString() ?? LAST.created_at,
      from_id: range.from?.id ?? LAST.id,
    });
  }

  async updatePayload(
    id: string,
    payload: JsonText,
    expectedVersion: number | null,
  ): Promise<StoredRecord | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.byId<Row>(this.sql.updateRecordPayload, {
      id,
      payload,
      expected_version: expectedVersion,
    });
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async delete(id: string, expectedVersion: number | null): Promise<DeletedRecord | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.byId<{ user_id: string; version: number; deleted_at: Date }>(this.sql.deleteRecord, {
      id,
      expected_version: expectedVersion,
    });
    const row = rows[0];
    return row ? { userId: row.user_id, version: row.version, deletedAt: row.deleted_at } : null;
  }

  async findVersion(id: string): Promise<number | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.byId<{ version: number }>(this.sql.findRecordVersion, { id });
    return rows[0]?.version ?? null;
  }
}
