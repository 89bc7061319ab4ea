/**
 * Two-level cache of serialized responses: an in-process LRU (L1) in front of Redis (L2).
 *
 * Correctness first (docs/caching.md):
 * - Writes update (records) or invalidate (a user's first pages) both levels before the
 *   response is sent, and announce it on a pub/sub channel so other instances drop their L1.
 * - Fills never overwrite newer data: L2 record fills are SET NX (a write-through or a delete
 *   tombstone wins), L2 page fills are conditional on the user's generation (Lua), and L1 fills
 *   are refused when an invalidation for that key happened during the load.
 * - L1 is trusted only while the invalidation channel is up (or no Redis is configured, a single
 *   instance). When the subscriber loses Redis, L1 is cleared and bypassed until it is back.
 * - A failed L2 invalidation is queued and replayed as soon as Redis answers; until then this
 *   instance reads around L2.
 */
import type {
  CacheSource,
  CacheStats,
  RecordCache as RecordCachePort,
  RecordEntry,
} from '../domain/record-cache.js';
import type { RedisClient, RedisGateway } from '../redis/redis-gateway.js';
import { pagesKey, recordKey } from './cache-keys.js';
import { InvalidationBus } from './invalidation-bus.js';
import { L1Store } from './l1-store.js';
import { withPageScripts, type PageCommands } from './page-scripts.js';
import { RecentWriters } from './recent-writers.js';
import { SingleFlight } from './single-flight.js';

export interface CacheOptions {
  enabled: boolean;
  l1MaxEntries: number;
  l1TtlMs: number;
  l2TtlSeconds: number;
  /** How long a delete is remembered in L2, so a slow reader cannot re-fill the old record. */
  tombstoneTtlSeconds: number;
}

const TOMBSTONE = '-';
const MAX_PENDING = 10_000;

export class RecordCache implements RecordCachePort {
  readonly stats: CacheStats = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0 };
  private readonly l1: L1Store;
  private readonly writers: RecentWriters;
  private readonly flights = new SingleFlight();
  private readonly pending = new Map<string, { recordId?: string; userId?: string }>();
  private l2BypassUntil = 0;
  private readonly bus: InvalidationBus;

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
    this.writers = new RecentWriters(redis);
  }

  /** Subscribes to other instances' invalidations. */
  async start(): Promise<void> {
    if (this.options.enabled) await this.bus.start();
  }

  private l2Usable(): boolean {
    return this.options.enabled && this.redis.available && Date.now() >= this.l2BypassUntil;
  }

  private async l2<T>(fn: (c: RedisClient & PageCommands) => Promise<T>): Promise<T | undefined> {
    if (!this.l2Usable()) return undefined;
    if (this.pending.size > 0 && !(await this.replayPending())) return undefined;
    return this.redis.run((c) => fn(withPageScripts(c)));
  }

  /** A record from L1, L2, or load(); null when it does not exist. */
  async getRecord(
    id: string,
    load: () => Promise<RecordEntry | null>,
  ): Promise<{ entry: RecordEntry | null; source: CacheSource }> {
    if (!this.options.enabled) return { entry: await load(), source: 'miss' };
    const key = recordKey(id);
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
    return this.flights.run(key, async () => {
      const mark = this.l1.mark();
      const raw = await this.l2((c) => c.getBuffer(this.redisKey(key)));
      if (raw) {
        this.stats.l2Hits++;
        const entry = decodeRecord(raw);
        this.l1.fillRecord(id, entry, mark);
        return { entry, source: 'hit-l2' as const };
      }
      if (this.l2Usable()) this.stats.l2Misses++;
      const entry = await load();
      if (entry) {
        this.l1.fillRecord(id, entry, mark);
        await this.l2((c) =>
          c.set(this.redisKey(key), encodeRecord(entry), 'EX', this.options.l2TtlSeconds, 'NX'),
        );
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
    const key = pagesKey(userId);
    if (this.l1.usable) {
      await this.bus.drain();
      const bytes = this.l1.page(userId, limit);
      if (bytes) {
        this.stats.l1Hits++;
        return { bytes, source: 'hit-l1' };
      }
      this.stats.l1Misses++;
    }
    return this.flights.run(`${key}:${limit}`, async () => {
      const mark = this.l1.mark();
      const keys = [this.redisKey(`${key}:gen`), this.redisKey(`${key}:pages`)] as const;
      const got = await this.l2((c) => c.dapiPageGetBuffer(keys[0], keys[1], String(limit)));
      if (got?.[1]) {
        this.stats.l2Hits++;
        this.l1.fillPage(userId, limit, got[1], mark);
        return { bytes: got[1], source: 'hit-l2' as const };
      }
      if (got) this.stats.l2Misses++;
      const generation = got?.[0]?.toString() ?? null;
      const bytes = await load();
      this.l1.fillPage(userId, limit, bytes, mark);
      if (generation !== null) {
        await this.l2((c) =>
          c.dapiPageSet(
            keys[0],
            keys[1],
            generation,
            String(limit),
            bytes,
            String(this.options.l2TtlSeconds),
          ),
        );
      }
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
    const ok = await this.redis.run(async (c) => {
      const cmd = withPageScripts(c);
      if (!c.isCluster) return this.writtenInOneTrip(cmd, records, users);
      // On a Cluster the keys live on different nodes: the writes first, then the announcement,
      // so that no instance hears of a change before the node holding it has it.
      await Promise.all([
        ...records.map((r) =>
          r.entry
            ? c.set(this.redisKey(recordKey(r.id)), encodeRecord(r.entry), 'EX', this.options.l2TtlSeconds)
            : c.set(this.redisKey(recordKey(r.id)), TOMBSTONE, 'EX', this.options.tombstoneTtlSeconds),
        ),
        ...users.map((u) =>
          cmd.dapiPageInvalidate(
            this.redisKey(`${pagesKey(u)}:gen`),
            this.redisKey(`${pagesKey(u)}:pages`),
            String(this.options.l2TtlSeconds * 2),
          ),
        ),
      ]);
      await this.bus.announce(
        c,
        records.map((r) => r.id),
        users,
      );
      void this.writers.noteApart(users);
      return true;
    });
    if (!ok)
      this.remember(
        records.map((r) => r.id),
        users,
      );
  }

  /**
   * A single Redis: the writes, the invalidations, the announcement and the note of who wrote
   * sent as one pipeline, one round trip and one socket write. Redis runs one connection's
   * commands in order, so PUBLISH still follows the writes it announces. Throws when any but
   * the note failed, so the invalidation is remembered and replayed.
   */
  private async writtenInOneTrip(
    // With the page scripts defined: a pipeline takes the client's scripts when it is made.
    c: RedisClient & PageCommands,
    records: { id: string; entry: RecordEntry | null }[],
    users: string[],
  ): Promise<boolean> {
    const pipe = c.pipeline();
    for (const r of records) {
      if (r.entry)
        pipe.set(this.redisKey(recordKey(r.id)), encodeRecord(r.entry), 'EX', this.options.l2TtlSeconds);
      else pipe.set(this.redisKey(recordKey(r.id)), TOMBSTONE, 'EX', this.options.tombstoneTtlSeconds);
    }
    const scripts = pipe as unknown as Pick<PageCommands, 'dapiPageInvalidate'>;
    for (const u of users) {
      scripts.dapiPageInvalidate(
        this.redisKey(`${pagesKey(u)}:gen`),
        this.redisKey(`${pagesKey(u)}:pages`),
        String(this.options.l2TtlSeconds * 2),
      );
    }
    this.bus.announce(
      pipe,
      records.map((r) => r.id),
      users,
    );
    const needed = records.length + users.length + 1;
    this.writers.note(pipe, users);
    const replies = await pipe.exec();
    if (!replies || replies.length < needed || replies.slice(0, needed).some(([err]) => err)) {
      throw new Error('the cache invalidation did not complete');
    }
    return true;
  }

  /** The users who wrote most recently, newest first (empty without Redis), for warming. */
  recentWriters(n: number): Promise<string[]> {
    return this.writers.newest(n);
  }

  private remember(recordIds: string[], userIds: string[]): void {
    for (const id of recordIds) this.pending.set(`r:${id}`, { recordId: id });
    for (const u of userIds) this.pending.set(`u:${u}`, { userId: u });
    if (this.pending.size > MAX_PENDING) {
      // Too much to replay: read around L2 until everything in it has expired.
      this.pending.clear();
      this.l2BypassUntil = Date.now() + this.options.l2TtlSeconds * 1000;
    }
  }

  /** Replays invalidations that failed while Redis was away; true once none is left. */
  private async replayPending(): Promise<boolean> {
    const batch = [...this.pending.entries()];
    const ok = await this.redis.run(async (c) => {
      const cmd = withPageScripts(c);
      await Promise.all(
        batch.map(([, p]) =>
          p.recordId
            ? c.del(this.redisKey(recordKey(p.recordId)))
            : cmd.dapiPageInvalidate(
                this.redisKey(`${pagesKey(p.userId!)}:gen`),
                this.redisKey(`${pagesKey(p.userId!)}:pages`),
                String(this.options.l2TtlSeconds * 2),
              ),
        ),
      );
      await this.bus.announce(
        c,
        batch.flatMap(([, p]) => (p.recordId ? [p.recordId] : [])),
        batch.flatMap(([, p]) => (p.userId ? [p.userId] : [])),
      );
      return true;
    });
    if (ok) for (const [k] of batch) this.pending.delete(k);
    return this.pending.size === 0;
  }

  private redisKey(key: string): string {
    return `${this.redis.keyPrefix}${key}`;
  }
}

function encodeRecord(entry: RecordEntry): Buffer {
  return Buffer.concat([Buffer.from(`${entry.version}\n${entry.userId}\n`), entry.bytes]);
}

function decodeRecord(raw: Buffer): RecordEntry | null {
  if (raw.length === 1 && raw[0] === TOMBSTONE.charCodeAt(0)) return null;
  // user_id cannot hold a newline (the contract's pattern), so two newlines end the header.
  const nl = raw.indexOf(0x0a);
  const nl2 = raw.indexOf(0x0a, nl + 1);
  return {
    version: Number(raw.subarray(0, nl).toString()),
    userId: raw.subarray(nl + 1, nl2).toString(),
    bytes: raw.subarray(nl2 + 1),
  };
}
