/**
 * Two-level cache of serialized responses: an in-process LRU (L1) in front of Redis (L2). This
 * file composes the parts and holds the order of each operation; each part is one concept:
 *
 * - cache-keys.ts: where an id becomes a key, and the key groups of L2;
 * - versions.ts: the order of a record's states (its version, or its deletion);
 * - l1-store.ts: L1, bounded in bytes, and the rules of what it keeps;
 * - l2-store.ts: L2's entries (records, tombstones, pages) and how a write changes them, with
 *   record-scripts.ts and page-scripts.ts (the Lua that orders them) and l2-budget.ts (its bound);
 * - invalidation-bus.ts: pub/sub between instances, and when L1 may be trusted;
 * - write-through.ts: a write into Redis, on a single node or a Cluster;
 * - replay-queue.ts: invalidations that failed, replayed, and the L2 bypass;
 * - single-flight.ts: one load per key at a time;
 * - recent-writers.ts: who wrote last, for warming.
 *
 * Correctness first (docs/caching.md):
 * - Writes update (records) or invalidate (a user's first pages) both levels before the
 *   response is sent, and announce it, with each record's version, so other instances drop
 *   anything older from their L1.
 * - Every put of a record, in either level, is ordered by its version: a newer state never
 *   loses to an older one, whichever arrives last. Pages are ordered by invalidations.
 * - L1 is trusted only while the invalidation channel is up (or no Redis is configured).
 * - A failed L2 invalidation is queued and replayed as soon as Redis answers; until then this
 *   instance reads around L2.
 * - Both levels are bounded in bytes (CACHE_L1_MAX_BYTES, CACHE_L2_MAX_BYTES, and
 *   CACHE_ENTRY_MAX_BYTES for one entry); nothing refreshes a lifetime.
 */
import type {
  CacheMark,
  CacheSource,
  CacheStats,
  RecordCache as RecordCachePort,
  RecordChange,
  RecordEntry,
  RecordPrefetch,
} from '../domain/record-cache.js';
import type { RecordId } from '../domain/record-id.js';
import type { RedisGateway } from '../redis/redis-gateway.js';
import { pagesKey, recordKey } from './cache-keys.js';
import { EarlyReads } from './early-reads.js';
import { InvalidationBus, type ChangedRecord } from './invalidation-bus.js';
import { L1Store } from './l1-store.js';
import { L2Budget } from './l2-budget.js';
import { L2Store, type CacheWrite } from './l2-store.js';
import { RecentWriters } from './recent-writers.js';
import { ReplayQueue } from './replay-queue.js';
import { SingleFlight } from './single-flight.js';
import { changeRank, deletedRank, rankOf } from './versions.js';
import { WriteThrough } from './write-through.js';

export interface CacheOptions {
  enabled: boolean;
  l1MaxEntries: number;
  /** CACHE_L1_MAX_BYTES: L1's bound. */
  l1MaxBytes: number;
  l1TtlMs: number;
  /** CACHE_ENTRY_MAX_BYTES: a larger record or page is served but kept in neither level. */
  entryMaxBytes: number;
  /** CACHE_L2_MAX_BYTES: the bytes of content L2 may hold (l2-budget.ts). */
  l2MaxBytes: number;
  l2TtlSeconds: number;
  /** How long a delete is remembered in L2, so a slow reader cannot re-fill the old record. */
  tombstoneTtlSeconds: number;
}

/**
 * A rank not known (an announcement of the previous release): above every real one, and even, so
 * that it is kept as a version without bytes, never read as a deletion.
 */
const UNKNOWN_RANK = Number.MAX_SAFE_INTEGER - 1;

export class RecordCache implements RecordCachePort {
  readonly stats: CacheStats;
  private readonly l1: L1Store;
  private readonly l2: L2Store;
  private readonly bus: InvalidationBus;
  private readonly writeThrough: WriteThrough;
  private readonly replay: ReplayQueue;
  private readonly writers: RecentWriters;
  private readonly flights = new SingleFlight();
  /** Records read early (prefetchRecord): loads in flight for L1 (early-reads.ts). */
  private readonly earlyReads = new EarlyReads();

  constructor(
    private readonly redis: RedisGateway,
    private readonly options: CacheOptions,
  ) {
    this.bus = new InvalidationBus(redis, {
      changed: (records, userIds, erased) => this.changedElsewhere(records, userIds, erased),
      missed: () => this.l1.clear(),
    });
    this.l1 = new L1Store(
      {
        maxEntries: options.l1MaxEntries,
        maxBytes: options.l1MaxBytes,
        maxEntryBytes: options.entryMaxBytes,
        ttlMs: options.l1TtlMs,
      },
      () => options.enabled && this.bus.listening,
      (key) => this.flights.running(key) || this.earlyReads.has(key),
    );
    this.l2 = new L2Store(redis, new L2Budget(options.l2MaxBytes, options.l2TtlSeconds), {
      ttlSeconds: options.l2TtlSeconds,
      tombstoneTtlSeconds: options.tombstoneTtlSeconds,
    });
    this.writers = new RecentWriters(redis);
    this.writeThrough = new WriteThrough(redis, this.l2, this.bus, this.writers);
    this.replay = new ReplayQueue((write) => this.writeThrough.resend(write), options.l2TtlSeconds);
    const l1 = this.l1;
    this.stats = {
      l1Hits: 0,
      l1Misses: 0,
      l2Hits: 0,
      l2Misses: 0,
      get l1Bytes() {
        return l1.bytes;
      },
    };
  }

  /** Subscribes to other instances' invalidations. */
  async start(): Promise<void> {
    if (this.options.enabled) await this.bus.start();
  }

  mark(): CacheMark {
    return this.l1.mark();
  }

  prefetchRecord(id: RecordId): RecordPrefetch | undefined {
    if (!this.options.enabled || !this.redis.configured || this.l1.holds(id)) return undefined;
    if (!this.l2Usable() || !this.replay.empty) return undefined;
    // The mark comes before the read, as in getRecord: what L1 forgets or learns after it counts.
    return this.earlyReads.start(
      id,
      () => this.l1.mark(),
      () => this.l2.record(id),
    );
  }

  /** A record from L1, L2, or load(); null when it does not exist. */
  async getRecord(
    id: RecordId,
    load: () => Promise<RecordEntry | null>,
    prefetched?: RecordPrefetch,
  ): Promise<{ entry: RecordEntry | null; source: CacheSource }> {
    if (!this.options.enabled) return { entry: await load(), source: 'miss' };
    if (this.l1.usable) {
      await this.bus.drain();
      const hit = this.l1.record(id);
      if (hit) {
        this.stats.l1Hits++;
        return { entry: hit.entry, source: 'hit-l1' };
      }
      this.stats.l1Misses++;
    }
    // This request's own early read, used by it alone (not shared through the single flight,
    // whose later joiners arrived after it was sent): a hit answers, a miss goes the usual way.
    const early = EarlyReads.of(prefetched, id);
    if (early && (await this.l2Ready())) {
      const cached = await early.read;
      if (cached) {
        this.stats.l2Hits++;
        this.l1.putRecord(id, cached.rank, cached.entry ?? undefined, early.mark);
      }
      early.release(); // used: no longer in flight (else the request's end releases it)
      if (cached) return { entry: cached.entry, source: 'hit-l2' };
    }
    // One L2 lookup and at most one database load per key at a time, shared by all who miss.
    return this.flights.run(recordKey(id), async () => {
      const mark = this.l1.mark();
      const cached = (await this.l2Ready()) ? await this.l2.record(id) : undefined;
      if (cached) {
        this.stats.l2Hits++;
        this.l1.putRecord(id, cached.rank, cached.entry ?? undefined, mark);
        return { entry: cached.entry, source: 'hit-l2' as const };
      }
      if (this.l2Usable()) this.stats.l2Misses++;
      const entry = await load();
      if (entry) {
        this.l1.putRecord(id, rankOf(entry), entry, mark);
        if (this.storable(entry.bytes, mark) && (await this.l2Ready())) await this.l2.fillRecord(id, entry);
      }
      return { entry, source: 'miss' as const };
    });
  }

  /** The user's first page (default size) from L1, L2, or load(). */
  async getFirstPage(
    userId: string,
    load: () => Promise<Buffer>,
  ): Promise<{ bytes: Buffer; source: CacheSource }> {
    if (!this.options.enabled) return { bytes: await load(), source: 'miss' };
    if (this.l1.usable) {
      await this.bus.drain();
      const bytes = this.l1.page(userId);
      if (bytes) {
        this.stats.l1Hits++;
        return { bytes, source: 'hit-l1' };
      }
      this.stats.l1Misses++;
    }
    return this.flights.run(pagesKey(userId), async () => {
      const mark = this.l1.mark();
      const cached = (await this.l2Ready()) ? await this.l2.page(userId) : undefined;
      if (cached?.bytes) {
        this.stats.l2Hits++;
        this.l1.putPage(userId, cached.bytes, mark);
        return { bytes: cached.bytes, source: 'hit-l2' as const };
      }
      if (cached) this.stats.l2Misses++;
      const bytes = await load();
      this.l1.putPage(userId, bytes, mark);
      if (cached && this.storable(bytes, mark) && (await this.l2Ready())) {
        await this.l2.fillPage(userId, cached.generation, bytes);
      }
      return { bytes, source: 'miss' as const };
    });
  }

  /**
   * After a write committed: each record's new state replaces what both levels hold unless they
   * hold a newer one, the users' cached first pages are dropped, and other instances are told.
   */
  async written(since: CacheMark, records: RecordChange[], userIds: string[]): Promise<void> {
    if (!this.options.enabled) return;
    const users = [...new Set(userIds)];
    const write: CacheWrite = { records: [], users };
    for (const change of records) {
      const rank = changeRank(change);
      const entry = 'entry' in change ? change.entry : undefined;
      this.l1.putWritten(change.id, rank, entry, since, !this.redis.configured);
      // The bytes go to L2 only while nothing that could refuse them there may have expired.
      write.records.push({
        id: change.id,
        rank,
        entry: entry && this.storable(entry.bytes, since) ? entry : undefined,
      });
    }
    for (const u of users) this.l1.invalidatePages(u);
    if (!this.redis.configured) return;
    if (!(await this.writeThrough.send(write))) this.replay.remember(write.records, users);
  }

  async eraseStarting(userId: string): Promise<void> {
    if (!this.options.enabled || !this.redis.configured) return;
    // Nothing to remember when Redis misses it: the batches set the quiet keys again.
    await this.writeThrough.send({ records: [], users: [], erasing: userId });
  }

  async erased(userId: string, records: { id: RecordId; deletedVersion: number }[]): Promise<void> {
    if (!this.options.enabled) return;
    this.l1.eraseUser(userId);
    if (!this.redis.configured) return;
    const write: CacheWrite = {
      records: records.map((r) => ({ id: r.id, rank: deletedRank(r.deletedVersion) })),
      users: [userId],
      erasing: userId,
    };
    // Replayed as plain deletions (replay-queue.ts), over whatever L2 holds or not.
    if (!(await this.writeThrough.send(write))) this.replay.remember(write.records, write.users);
    // Again: a read here may have taken a record from L2 before the batch reached it, and put
    // it after the first drop (L1 drops what it holds of a user, it keeps no rank per record).
    this.l1.eraseUser(userId);
  }

  /** The users who wrote most recently, newest first (empty without Redis), for warming. */
  recentWriters(n: number): Promise<string[]> {
    return this.writers.newest(n);
  }

  /** Another instance wrote: L1 keeps nothing older than what it announced. */
  private changedElsewhere(records: ChangedRecord[], userIds: string[], erased: string[]): void {
    for (const r of records) this.l1.raiseRecord(r.id, r.rank ?? UNKNOWN_RANK);
    for (const u of userIds) this.l1.invalidatePages(u);
    for (const u of erased) this.l1.eraseUser(u);
  }

  /**
   * Whether bytes read after `mark` may be stored in L2: not larger than an entry may be, and
   * read within half a tombstone's life, so that the tombstone or version that should refuse
   * them (written after the mark) has not expired when they arrive.
   */
  private storable(bytes: Buffer, mark: CacheMark): boolean {
    return (
      bytes.length <= this.options.entryMaxBytes &&
      Date.now() - mark.at < (this.options.tombstoneTtlSeconds * 1000) / 2
    );
  }

  private l2Usable(): boolean {
    return this.options.enabled && this.redis.available && !this.replay.bypassingL2;
  }

  /** Whether L2 may be asked now: usable, and nothing it holds is older than a failed write. */
  private async l2Ready(): Promise<boolean> {
    if (!this.l2Usable()) return false;
    return this.replay.empty || (await this.replay.replay());
  }
}
