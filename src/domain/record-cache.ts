/**
 * What the services ask of the response cache (src/cache implements it): serialized records and
 * first pages, filled on a miss by the loader the caller gives, and the write path that keeps
 * every level and every instance from serving anything older than the last acknowledged write
 * (docs/caching.md).
 */
import type { RecordId } from './record-id.js';

export type CacheSource = 'hit-l1' | 'hit-l2' | 'miss';

/** A cached record: its serialized JSON and its version (the ETag). */
export interface RecordEntry {
  version: number;
  /** The owner, for authorization without parsing the bytes. */
  userId: string;
  bytes: Buffer;
}

/**
 * What a committed write left of one record: its new entry (the version is in it), or its
 * deletion, with the version the delete statement removed. Every level orders what it keeps by
 * these versions, so a late change never replaces a newer one.
 */
export type RecordChange = { id: RecordId; entry: RecordEntry } | { id: RecordId; deletedVersion: number };

/**
 * The moment a write began, taken before its statement runs and handed to written(): the cache
 * then knows what it may have forgotten since (see src/cache/l1-store.ts). Opaque to callers.
 */
export interface CacheMark {
  readonly seq: number;
  readonly at: number;
}

/** An L2 read started by prefetchRecord; opaque to callers but for its end. */
export interface RecordPrefetch {
  readonly id: RecordId;
  /** The request that started it has ended (or no longer needs it); safe to call twice. */
  release(): void;
}

export interface CacheStats {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  /** What L1 holds now, in bytes as it counts them (bounded by CACHE_L1_MAX_BYTES). */
  readonly l1Bytes: number;
}

export interface RecordCache {
  readonly stats: CacheStats;
  /** Subscribes to other instances' invalidations (a no-op without Redis). */
  start(): Promise<void>;
  /** Taken before a write's statement runs; written() needs it. */
  mark(): CacheMark;
  /**
   * Starts the L2 read of a record early (with the request's rate-limit check, in one round
   * trip), for the getRecord of the same request; undefined when L1 will answer or L2 is not to
   * be read. Only the request that asked may hand it to getRecord: it reads what L2 held after
   * that request arrived.
   */
  prefetchRecord(id: RecordId): RecordPrefetch | undefined;
  /** A record from L1, L2, or load(); null when it does not exist. */
  getRecord(
    id: RecordId,
    load: () => Promise<RecordEntry | null>,
    prefetched?: RecordPrefetch,
  ): Promise<{ entry: RecordEntry | null; source: CacheSource }>;
  /**
   * The first page of a user's list at the default page size, from L1, L2, or load(). Other
   * pages are not worth the memory and are not asked for here.
   */
  getFirstPage(userId: string, load: () => Promise<Buffer>): Promise<{ bytes: Buffer; source: CacheSource }>;
  /**
   * After a write committed: each record's new state replaces what both levels hold unless they
   * hold a newer one, the users' cached first pages are dropped, and other instances are told.
   * `since` is the mark taken before the write's statement.
   */
  written(since: CacheMark, records: RecordChange[], userIds: string[]): Promise<void>;
  /**
   * Before an erase of a user's records starts: from now until a tombstone's life after its last
   * batch, no level stores bytes of the user's records, so a read that loaded one before it was
   * deleted cannot store it after.
   */
  eraseStarting(userId: string): Promise<void>;
  /**
   * After a batch of an erase committed: every level drops the user's records and first pages
   * (what it holds of the batch becomes a deletion of the version removed), on every instance.
   */
  erased(userId: string, records: { id: RecordId; deletedVersion: number }[]): Promise<void>;
  /** The users who wrote most recently, newest first (empty without Redis), for warming. */
  recentWriters(n: number): Promise<string[]>;
}
