/**
 * What the services ask of the response cache (src/cache implements it): serialized records and
 * first pages, filled on a miss by the loader the caller gives, and the write path that keeps
 * every level and every instance from serving anything older than the last acknowledged write
 * (docs/caching.md).
 */

export type CacheSource = 'hit-l1' | 'hit-l2' | 'miss';

/** A cached record: its serialized JSON and its version (the ETag). null: known to be deleted. */
export interface RecordEntry {
  version: number;
  /** The owner, for authorization without parsing the bytes. */
  userId: string;
  bytes: Buffer;
}

export interface CacheStats {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
}

export interface RecordCache {
  readonly stats: CacheStats;
  /** Subscribes to other instances' invalidations (a no-op without Redis). */
  start(): Promise<void>;
  /** A record from L1, L2, or load(); null when it does not exist. */
  getRecord(
    id: string,
    load: () => Promise<RecordEntry | null>,
  ): Promise<{ entry: RecordEntry | null; source: CacheSource }>;
  /** The first page of a user's list (for one limit) from L1, L2, or load(). */
  getFirstPage(
    userId: string,
    limit: number,
    load: () => Promise<Buffer>,
  ): Promise<{ bytes: Buffer; source: CacheSource }>;
  /**
   * After a write committed: the new state of these records (null: deleted) replaces what both
   * levels hold, the users' cached first pages are dropped, and other instances are told.
   */
  written(records: { id: string; entry: RecordEntry | null }[], userIds: string[]): Promise<void>;
  /** The users who wrote most recently, newest first (empty without Redis), for warming. */
  recentWriters(n: number): Promise<string[]>;
}
