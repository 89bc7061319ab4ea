/**
 * Two-level cache of serialized responses: an in-process LRU (L1) in front of Redis (L2). This
 * file composes the parts and holds the order of each operation; each part is one concept:
 *
 * - l1-store.ts: L1 and its fill rules;
 * - l2-store.ts: L2's entries (records, tombstones, pages) and how a write changes them;
 * - invalidation-bus.ts: pub/sub between instances, and when L1 may be trusted;
 * - write-through.ts: a write into Redis, on a single node or a Cluster;
 * - replay-queue.ts: invalidations that failed, replayed, and the L2 bypass;
 * - single-flight.ts: one load per key at a time;
 * - recent-writers.ts: who wrote last, for warming.
 *
 * Correctness first (docs/caching.md):
 * - Writes update (records) or invalidate (a user's first pages) both levels before the
 *   response is sent, and announce it so other instances drop their L1.
 * - Fills never overwrite newer data (L1 and L2 each say how).
 * - L1 is trusted only while the invalidation channel is up (or no Redis is configured).
 * - A failed L2 invalidation is queued and replayed as soon as Redis answers; until then this
 *   instance reads around L2.
 */
import type {
  CacheSource,
  CacheStats,
  RecordCache as RecordCachePort,
  RecordEntry,
} from '../domain/record-cache.js';
import type { RedisGateway } from '../redis/redis-gateway.js';
import { pagesKey, recordKey } from './cache-keys.js';
import { InvalidationBus } from './invalidation-bus.js';
import { L1Store } from './l1-store.js';
import { L2Store } from './l2-store.js';
import { RecentWriters } from './recent-writers.js';
import { ReplayQueue } from './replay-queue.js';
import { SingleFlight } from './single-flight.js';
import { WriteThrough } from './write-through.js';

export interface CacheOptions {
  enabled: boolean;
  l1MaxEntries: number;
  l1TtlMs: number;
  l2TtlSeconds: number;
  /** How long a delete is remembered in L2, so a slow reader cannot re-fill the old record. */
  tombstoneTtlSeconds: number;
}

export class RecordCache implements RecordCachePort {
  readonly stats: CacheStats = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0 };
  private readonly l1: L1Store;
  private readonly l2: L2Store;
  private readonly bus: InvalidationBus;
  private readonly writeThrough: WriteThrough;
  private readonly replay: ReplayQueue;
  private readonly writers: RecentWriters;
  private readonly flights = new SingleFlight();

  constructor(
    private readonly redis: RedisGateway,
    private readonly options: CacheOptions,
  ) {
    this.bus = new InvalidationBus(redis, {
      changed: (recordIds, userIds) => {
        for (const id of recordIds) this.l1.forgetRecord(id);
        for (const u of userIds) this.l1.forgetPages(u);
      },
      missed: () => this.l1.clear(),
    });
    this.l1 = new L1Store(
      { maxEntries: options.l1MaxEntries, ttlMs: options.l1TtlMs },
      () => options.enabled && this.bus.listening,
    );
    this.l2 = new L2Store(redis, {
      ttlSeconds: options.l2TtlSeconds,
      tombstoneTtlSeconds: options.tombstoneTtlSeconds,
    });
    this.writers = new RecentWriters(redis);
    this.writeThrough = new WriteThrough(redis, this.l2, this.bus, this.writers);
    this.replay = new ReplayQueue((write) => this.writeThrough.resend(write), options.l2TtlSeconds);
  }

  /** Subscribes to other instances' invalidations. */
  async start(): Promise<void> {
    if (this.options.enabled) await this.bus.start();
  }

  /** A record from L1, L2, or load(); null when it does not exist. */
  async getRecord(
    id: string,
    load: () => Promise<RecordEntry | null>,
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
    // One L2 lookup and at most one database load per key at a time, shared by all who miss.
    return this.flights.run(recordKey(id), async () => {
      const mark = this.l1.mark();
      const cached = (await this.l2Ready()) ? await this.l2.record(id) : undefined;
      if (cached) {
        this.stats.l2Hits++;
        this.l1.fillRecord(id, cached.entry, mark);
        return { entry: cached.entry, source: 'hit-l2' as const };
      }
      if (this.l2Usable()) this.stats.l2Misses++;
      const entry = await load();
      if (entry) {
        this.l1.fillRecord(id, entry, mark);
        if (await this.l2Ready()) await this.l2.fillRecord(id, entry);
      }
      return { entry, source: 'miss' as const };
    });
  }

  /** The first page of a user's list (for one limit) from L1, L2, or load(). */
  async getFirstPage(
    userId: string,
    limit: number,
    load: () => Promise<Buffer>,
  ): Promise<{ bytes: Buffer; source: CacheSource }> {
    if (!this.options.enabled) return { bytes: await load(), source: 'miss' };
    if (this.l1.usable) {
      await this.bus.drain();
      const bytes = this.l1.page(userId, limit);
      if (bytes) {
        this.stats.l1Hits++;
        return { bytes, source: 'hit-l1' };
      }
      this.stats.l1Misses++;
    }
    return this.flights.run(`${pagesKey(userId)}:${limit}`, async () => {
      const mark = this.l1.mark();
      const cached = (await this.l2Ready()) ? await this.l2.page(userId, limit) : undefined;
      if (cached?.bytes) {
        this.stats.l2Hits++;
        this.l1.fillPage(userId, limit, cached.bytes, mark);
        return { bytes: cached.bytes, source: 'hit-l2' as const };
      }
      if (cached) this.stats.l2Misses++;
      const bytes = await load();
      this.l1.fillPage(userId, limit, bytes, mark);
      if (cached && (await this.l2Ready())) await this.l2.fillPage(userId, cached.generation, limit, bytes);
      return { bytes, source: 'miss' as const };
    });
  }

  /**
   * After a write committed: the new state of these records (null: deleted) replaces what both
   * levels hold, the users' cached first pages are dropped, and other instances are told.
   */
  async written(records: { id: string; entry: RecordEntry | null }[], userIds: string[]): Promise<void> {
    if (!this.options.enabled) return;
    const users = [...new Set(userIds)];
    for (const r of records) this.l1.written(r.id, r.entry);
    for (const u of users) this.l1.forgetPages(u);
    if (!this.redis.configured) return;
    if (!(await this.writeThrough.send({ records, users }))) {
      this.replay.remember(
        records.map((r) => r.id),
        users,
      );
    }
  }

  /** The users who wrote most recently, newest first (empty without Redis), for warming. */
  recentWriters(n: number): Promise<string[]> {
    return this.writers.newest(n);
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
