/**
 * The records repository on Oracle Database: the named statements of sql/oracle/queries, and
 * bulk inserts through the records_api_v1 PL/SQL package (the chunk as one JSON value, inserted
 * set-based) in one round trip. Same behaviour as PostgresRecordsRepository; the shared contract
 * suite checks both.
 */
import type { JsonText } from '../../domain/json-value.js';
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
} from '../../domain/records.js';
import type { OracleDatabase, OracleResult } from './oracle-database.js';
import { oraclePayload } from './oracle-json-numbers.js';
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
  returningToRecord,
  rowToRecord,
  updatePayloadBinds,
  type BulkLimits,
  type OracleRecordRow,
} from './oracle-records-binds.js';
import { listCall, ORACLE_LIST_STATEMENTS } from './oracle-list-query.js';
import { containingCall, eraseBinds, erasedRecords, positionBinds, rowToPosition } from './oracle-range-query.js';
import type { OracleSqlCatalog, OracleStatement } from './oracle-sql.js';

export const ORACLE_RECORD_STATEMENTS = [
  'insertRecord',
  'bulkInsertRecords',
  'findRecordById',
  ...ORACLE_LIST_STATEMENTS,
  'listRecordsContaining',
  'findListPosition',
  'eraseRecords',
  'updateRecordPayload',
  'deleteRecord',
  'findRecordVersion',
] as const;

export type OracleRecordStatementName = (typeof ORACLE_RECORD_STATEMENTS)[number];

// A single-row lookup needs one row buffered; the default prefetch of 2 then ends it in one trip.
const ONE_ROW = { fetchArraySize: 1 };

export class OracleRecordsRepository implements RecordsRepository {
  private readonly sql: Record<OracleRecordStatementName, OracleStatement>;

  constructor(
    private readonly db: OracleDatabase,
    catalog: OracleSqlCatalog,
    private readonly bulkLimits: BulkLimits = BULK_LIMITS,
  ) {
    this.sql = Object.fromEntries(ORACLE_RECORD_STATEMENTS.map((n) => [n, catalog.get(n)])) as Record<
      OracleRecordStatementName,
      OracleStatement
    >;
  }

  async insert(sent: NewRecord): Promise<StoredRecord> {
    assertStorableUserId(sent.userId);
    const record = { ...sent, payload: oraclePayload(sent.payload, '/payload') };
    const res = await this.db.execute(this.sql.insertRecord, insertRecordBinds(record), { autoCommit: true });
    const stored = returningToRecord(record, res.outBinds);
    if (!stored) throw new Error('INSERT ... RETURNING gave no row');
    return stored;
  }

  /**
   * All or none: every chunk runs on one session and one transaction, committed with the last
   * call; any failure rolls the whole transaction back (withConnection). A batch within the
   * chunk limits (any batch the default body limit allows) is a single round trip that also
   * commits. Each round trip may take ORACLE_BULK_CALL_TIMEOUT_MS, not the per-request bound.
   */
  async insertMany(sent: NewRecord[]): Promise<StoredRecord[]> {
    if (sent.length === 0) return [];
    const records = sent.map((r, i) => {
      assertStorableUserId(r.userId, `/items/${i}/user_id`);
      return { ...r, payload: oraclePayload(r.payload, `/items/${i}/payload`) };
    });
    const chunks = chunkForBulk(records, this.bulkLimits);
    const createdAt = await this.db.withConnection(async (_conn, exec) => {
      let at: Date | null = null;
      for (const [i, chunk] of chunks.entries()) {
        const res: OracleResult<never> = await exec.execute(this.sql.bulkInsertRecords, bulkInsertBinds(chunk, at), {
          autoCommit: i === chunks.length - 1,
        });
        const value: unknown = res.outBinds?.created_at;
        if (!(value instanceof Date)) throw new Error('records_api_v1.bulk_insert returned no creation time');
        at = value;
      }
      return at as Date;
    }, { callTimeoutMs: this.db.bulkCallTimeoutMs });
    return bulkRecords(records, createdAt);
  }

  async findById(id: string): Promise<StoredRecord | null> {
    if (!isUuid(id)) return null;
    const res = await this.db.execute<OracleRecordRow>(this.sql.findRecordById, idBinds(id), ONE_ROW);
    const row = res.rows?.[0];
    return row ? rowToRecord(row) : null;
  }

  async listByUser(q: ListQuery): Promise<StoredRecord[]> {
    if (q.contains) {
      const filtered = containingCall(this.sql.listRecordsContaining, q);
      const res = await this.db.execute<OracleRecordRow>(filtered.stmt, filtered.binds, filtered.options);
      return (res.rows ?? []).map(rowToRecord);
    }
    const call = listCall(q);
    const res = await this.db.execute<OracleRecordRow>(this.sql[call.name], call.binds, call.options);
    return (res.rows ?? []).map(rowToRecord);
  }

  async positionAt(q: ScanQuery): Promise<ListPosition | null> {
    const res = await this.db.execute<{ CREATED_AT: Date; ID: Buffer }>(
      this.sql.findListPosition,
      positionBinds(q),
      ONE_ROW,
    );
    return rowToPosition(res.rows?.[0]);
  }

  async eraseRange(userId: string, range: ListRange): Promise<ErasedRecord[]> {
    const res = await this.db.execute(this.sql.eraseRecords, eraseBinds(userId, range), { autoCommit: true });
    return erasedRecords(res.outBinds);
  }

  async updatePayload(
    id: string,
    sent: JsonText,
    expectedVersion: number | null,
  ): Promise<StoredRecord | null> {
    if (!isUuid(id)) return null;
    const payload = oraclePayload(sent, '/payload');
    const res = await this.db.execute(this.sql.updateRecordPayload, updatePayloadBinds(id, payload, expectedVersion), {
      autoCommit: true,
    });
    return returningToRecord({ id, payload }, res.outBinds);
  }

  async delete(id: string, expectedVersion: number | null): Promise<DeletedRecord | null> {
    if (!isUuid(id)) return null;
    const res = await this.db.execute(this.sql.deleteRecord, deleteBinds(id, expectedVersion), {
      autoCommit: true,
    });
    return deletedRecord(res.outBinds);
  }

  async findVersion(id: string): Promise<number | null> {
    if (!isUuid(id)) return null;
    const res = await this.db.execute<{ VERSION: number }>(this.sql.findRecordVersion, idBinds(id), ONE_ROW);
    return res.rows?.[0]?.VERSION ?? null;
  }
}
