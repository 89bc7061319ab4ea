/**
 * L2: the cache's entries in Redis, shared by every instance. A record is its version, owner and
 * bytes, or a tombstone for a delete (kept a while, so a slow reader cannot re-fill the old
 * record); a user's first pages live under a generation number (page-scripts.ts). Fills never
 * overwrite newer data: a record fill is SET NX (a write-through or a tombstone wins), a page
 * fill lands only while the generation is the one read before the load.
 *
 * Reads and fills answer undefined when Redis does not (the gateway's rule); whether L2 is worth
 * asking at all is the caller's decision (record-cache.ts).
 */
import type { RecordEntry } from '../domain/record-cache.js';
import type { RedisGateway } from '../redis/redis-gateway.js';
import { pagesKey, recordKey } from './cache-keys.js';
import { withPageScripts } from './page-scripts.js';

export interface L2Options {
  ttlSeconds: number;
  /** How long a delete is remembered. */
  tombstoneTtlSeconds: number;
}

/** What a committed write changed, as the cache levels and the other instances must learn it. */
export interface CacheWrite {
  /**
   * Each record's new state: its entry, null when deleted, or 'unknown' (a replayed
   * invalidation, which kept only the id): L2 then drops the record's entry.
   */
  records: { id: string; entry: RecordEntry | null | 'unknown' }[];
  /** The users whose cached first pages the write made stale. */
  users: string[];
}

/**
 * Where a write's commands go: a pipeline (one round trip) or a client whose replies the caller
 * collects. Both ioredis shapes fit; the return value is theirs.
 */
export interface CommandSink {
  set(key: string, value: Buffer | string, mode: 'EX', seconds: number): unknown;
  del(key: string): unknown;
  dapiPageInvalidate(genKey: string, pagesKey: string, ttlSeconds: string): unknown;
}

const TOMBSTONE = '-';

export class L2Store {
  constructor(
    private readonly redis: RedisGateway,
    private readonly options: L2Options,
  ) {}

  /** A record's entry (null: a tombstone), or undefined when L2 holds none or did not answer. */
  async record(id: string): Promise<{ entry: RecordEntry | null } | undefined> {
    const raw = await this.redis.run((c) => c.getBuffer(this.key(recordKey(id))));
    return raw ? { entry: decodeRecord(raw) } : undefined;
  }

  /** Stores a loaded record unless a write-through or a tombstone is already there. */
  async fillRecord(id: string, entry: RecordEntry): Promise<void> {
    await this.redis.run((c) =>
      c.set(this.key(recordKey(id)), encodeRecord(entry), 'EX', this.options.ttlSeconds, 'NX'),
    );
  }

  /**
   * The user's current page generation and the page for this limit (null: not cached);
   * undefined when Redis did not answer.
   */
  async page(
    userId: string,
    limit: number,
  ): Promise<{ generation: string; bytes: Buffer | null } | undefined> {
    const [gen, pages] = this.pageKeys(userId);
    const got = await this.redis.run((c) => withPageScripts(c).dapiPageGetBuffer(gen, pages, String(limit)));
    return got && { generation: got[0].toString(), bytes: got[1] ?? null };
  }

  /** Stores a loaded page if the user's generation is still the one read before the load. */
  async fillPage(userId: string, generation: string, limit: number, bytes: Buffer): Promise<void> {
    const [gen, pages] = this.pageKeys(userId);
    await this.redis.run((c) =>
      withPageScripts(c).dapiPageSet(
        gen,
        pages,
        generation,
        String(limit),
        bytes,
        String(this.options.ttlSeconds),
      ),
    );
  }

  /**
   * Adds a write's commands to a sink, records first, then the users' page invalidations; the
   * one place that says how a write changes L2. Returns how many commands it added.
   */
  addWrite(sink: CommandSink, write: CacheWrite): number {
    for (const { id, entry } of write.records) {
      const key = this.key(recordKey(id));
      if (entry === 'unknown') sink.del(key);
      else if (entry) sink.set(key, encodeRecord(entry), 'EX', this.options.ttlSeconds);
      else sink.set(key, TOMBSTONE, 'EX', this.options.tombstoneTtlSeconds);
    }
    for (const u of write.users) {
      const [gen, pages] = this.pageKeys(u);
      sink.dapiPageInvalidate(gen, pages, String(this.options.ttlSeconds * 2));
    }
    return write.records.length + write.users.length;
  }

  private pageKeys(userId: string): [gen: string, pages: string] {
    const key = this.key(pagesKey(userId));
    return [`${key}:gen`, `${key}:pages`];
  }

  private key(key: string): string {
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
