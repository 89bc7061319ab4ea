/**
 * The record model and the repository every storage backend implements (PostgreSQL, PGlite,
 * Oracle: src/data). Plain objects only; no SQL, no HTTP.
 */
import type { JsonText } from './json-value.js';

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

export interface ListQuery {
  userId: string;
  /** Rows to return at most. */
  limit: number;
  createdAfter: Date | null;
  createdBefore: Date | null;
  /** Keyset position: rows strictly older than this (created_at, id). */
  after: { createdAt: Date; id: string } | null;
}

export interface RecordsRepository {
  insert(record: NewRecord): Promise<StoredRecord>;
  /** Inserts all or none, in one statement; returns the rows in input order. */
  insertMany(records: NewRecord[]): Promise<StoredRecord[]>;
  findById(id: string): Promise<StoredRecord | null>;
  listByUser(query: ListQuery): Promise<StoredRecord[]>;
  /** Replaces the payload when the version matches (null: any); null when nothing matched. */
  updatePayload(id: string, payload: JsonText, expectedVersion: number | null): Promise<StoredRecord | null>;
  /** Deletes when the version matches (null: any); what was deleted, or null when nothing matched. */
  delete(id: string, expectedVersion: number | null): Promise<DeletedRecord | null>;
  findVersion(id: string): Promise<number | null>;
}
