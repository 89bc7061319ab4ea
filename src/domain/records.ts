/**
 * The record model and the repository every storage backend implements (PostgreSQL, PGlite,
 * Oracle: src/data). Plain objects only; no SQL, no HTTP.
 */
import type { JsonObject, JsonText } from './json-value.js';

export interface StoredRecord {
  id: string;
  userId: string;
  /** As the store wrote it: numbers exactly, in its normal form (PostgreSQL: 1E+2 is 100). */
  payload: JsonText;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface NewRecord {
  id: string;
  userId: string;
  payload: JsonText;
}

export interface DeletedRecord {
  userId: string;
  /** The version the record had when it was deleted. */
  version: number;
  /**
   * When the delete committed, by the database's clock and never before the record's updated_at,
   * so the change events of one record never go back in time.
   */
  deletedAt: Date;
}

/** A place in a user's list, newest first: (created_at, id). */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

/**
 * A payload filter (`payload_contains`): the records whose payload contains this object, with
 * the containment of PostgreSQL's jsonb `@>` (docs/payload-filter.md). The value keeps every
 * number exactly (ExactNumber); the text is the same object as JSON.
 */
export interface PayloadFilter {
  value: JsonObject;
  text: JsonText;
}

export interface ListQuery {
  userId: string;
  /** Rows to return at most. */
  limit: number;
  createdAfter: Date | null;
  createdBefore: Date | null;
  /** Keyset position: rows strictly older than this (created_at, id). */
  after: ListPosition | null;
  /**
   * Only rows whose payload contains the filter, among the rows at or above `floor` (inclusive;
   * null: down to the oldest). The floor bounds what one statement examines.
   */
  contains?: { filter: PayloadFilter; floor: ListPosition | null };
}

/** The rows of a list query without a limit or a filter, for the position `skip` rows down. */
export type ScanQuery = Omit<ListQuery, 'limit' | 'contains'> & { skip: number };

/** A record an erase deleted, with the version it removed. */
export interface ErasedRecord {
  id: string;
  version: number;
}

/** A slice of a user's list: strictly below `below` (null: from the newest), down to `from` inclusive (null: to the oldest). */
export interface ListRange {
  below: ListPosition | null;
  from: ListPosition | null;
}

export interface RecordsRepository {
  insert(record: NewRecord): Promise<StoredRecord>;
  /** Inserts all or none, in one transaction; returns the rows in input order. */
  insertMany(records: NewRecord[]): Promise<StoredRecord[]>;
  /**
   * Inserts all or none, like insertMany, without reading the rows back: resolves with the
   * instant they were created at (their created_at and updated_at; version 1). Optional: a
   * store without it is asked insertMany.
   */
  insertManyBare?(records: NewRecord[]): Promise<Date>;
  findById(id: string): Promise<StoredRecord | null>;
  listByUser(query: ListQuery): Promise<StoredRecord[]>;
  /**
   * The position of the row `skip` rows below the top of the query's range (0: the first), or
   * null when the range holds no more than `skip` rows. Reads only the list's index.
   */
  positionAt(query: ScanQuery): Promise<ListPosition | null>;
  /**
   * Deletes the user's records in the range, in one statement committed on its own (a caller
   * keeps the range short: an erase goes down the list a batch at a time); what it deleted.
   */
  eraseRange(userId: string, range: ListRange): Promise<ErasedRecord[]>;
  /** Replaces the payload when the version matches (null: any); null when nothing matched. */
  updatePayload(id: string, payload: JsonText, expectedVersion: number | null): Promise<StoredRecord | null>;
  /** Deletes when the version matches (null: any); what was deleted, or null when nothing matched. */
  delete(id: string, expectedVersion: number | null): Promise<DeletedRecord | null>;
  findVersion(id: string): Promise<number | null>;
}
