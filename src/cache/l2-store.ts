/**
 * L2: the cache's entries in Redis, shared by every instance. A record's entry carries its rank
 * (versions.ts) and, within the byte budget (l2-budget.ts), its owner and bytes; every put of a
 * record, by a fill, a write-through, a delete or a replayed invalidation, goes through one Lua
 * script that refuses a lower rank (record-scripts.ts). A user's first page lives under a
 * generation number (page-scripts.ts). Nothing here refreshes a lifetime: reads are plain GETs,
 * and a put that brings nothing new is refused.
 *
 * Reads and fills answer undefined when Redis does not (the gateway's rule); whether L2 is worth
 * asking at all is the caller's decision (record-cache.ts).
 */
import type { RecordEntry } from '../domain/record-cache.js';
import type { RecordId } from '../domain/record-id.js';
import type { RedisGateway } from '../redis/redis-gateway.js';
import type { PipelineReply, TurnPipeline } from '../redis/turn-pipeline.js';
import { groupOf, groupTags, pagesKey, quietKey, recordKey, tagOf } from './cache-keys.js';
import { cachePipeline, type CacheCommands } from './cache-scripts.js';
import type { L2Budget } from './l2-budget.js';
import type { PageCommands } from './page-scripts.js';
import type { RecordCommands } from './record-scripts.js';
import { isDeleted, rankOf } from './versions.js';

export interface L2Options {
  ttlSeconds: number;
  /** How long a tombstone, or a version kept without its bytes, is remembered. */
  tombstoneTtlSeconds: number;
}

/** What a committed write changed, as the cache levels and the other instances must learn it. */
export interface CacheWrite {
  /**
   * Each record's new rank, with its entry when the bytes are to be stored. Without an entry the
   * rank alone is stored: a tombstone (odd rank), or a version whose bytes are not kept (a
   * replayed invalidation, a write too old to be sure of, a record too large).
   */
  records: { id: RecordId; rank: number; entry?: RecordEntry }[];
  /** The users whose cached first pages the write made stale. */
  users: string[];
  /**
   * A batch of an erase of this user: `records` are its deletions, put only over what L2 holds
   * of them, and the user's bytes are refused in every group for a tombstone's life
   * (record-scripts.ts, dapiRecordErase). No records: the erase is about to start.
   */
  erasing?: string;
}

/**
 * Where a write's commands go: a pipeline (one round trip) or a client whose replies the caller
 * collects. Both ioredis shapes fit; the return value is theirs.
 */
export interface CommandSink {
  dapiRecordPut(...args: Parameters<RecordCommands['dapiRecordPut']>): unknown;
  dapiRecordErase(...args: Parameters<RecordCommands['dapiRecordErase']>): unknown;
  dapiPageInvalidate(...args: Parameters<PageCommands['dapiPageInvalidate']>): unknown;
}

/**
 * Reads and fills ride in the turn's pipeline (redis/turn-pipeline.ts) with the rate-limit checks
 * and the other requests' commands: one round trip for all of them.
 */
export class L2Store {
  private readonly pipeline: TurnPipeline;

  constructor(
    private readonly redis: RedisGateway,
    private readonly budget: L2Budget,
    private readonly options: L2Options,
  ) {
    this.pipeline = cachePipeline(redis);
  }

  /**
   * A record's entry (null: a tombstone) with its rank; undefined when L2 holds none, holds only
   * its version, or did not answer.
   */
  async record(id: RecordId): Promise<{ rank: number; entry: RecordEntry | null } | undefined> {
    const raw = resultOf(await this.pipeline.submit((pipe) => pipe.getBuffer(this.key(recordKey(id)))));
    return Buffer.isBuffer(raw) ? decodeRecord(raw) : undefined;
  }

  /** Stores a loaded record unless L2 holds its version or a newer one, or the budget is spent. */
  async fillRecord(id: RecordId, entry: RecordEntry): Promise<void> {
    await this.pipeline.submit((pipe) => this.putRecord(commands(pipe), id, rankOf(entry), entry, '0'));
  }

  /**
   * The user's current page generation and the page (null: not cached for this generation);
   * undefined when Redis did not answer.
   */
  async page(userId: string): Promise<{ generation: string; bytes: Buffer | null } | undefined> {
    const [gen, page] = this.pageKeys(userId);
    const got = resultOf(
      await this.pipeline.submit((pipe) => commands(pipe).dapiPageGetBuffer(gen, page)),
    ) as [Buffer, Buffer | null] | undefined;
    if (!Array.isArray(got) || !Buffer.isBuffer(got[0])) return undefined;
    const generation = got[0].toString();
    const held = got[1];
    const head = Buffer.from(`${generation}\n`);
    const current = held !== null && held.subarray(0, head.length).equals(head);
    return { generation, bytes: current ? held.subarray(head.length) : null };
  }

  /** Stores a loaded page if the user's generation is still the one read before the load. */
  async fillPage(userId: string, generation: string, bytes: Buffer): Promise<void> {
    const [gen, page] = this.pageKeys(userId);
    const [now, before] = this.budget.keys(this.redis.keyPrefix, tagOf(pagesKey(userId)));
    await this.pipeline.submit((pipe) =>
      commands(pipe).dapiPageSet(
        gen,
        page,
        now,
        before,
        generation,
        bytes,
        String(this.options.ttlSeconds),
        ...this.budget.args(),
      ),
    );
  }

  /**
   * Adds a write's commands to a sink, records first, then the users' page invalidations; the
   * one place that says how a write changes L2. Returns how many commands it added.
   */
  addWrite(sink: CommandSink, write: CacheWrite): number {
    let commands = write.users.length;
    if (write.erasing !== undefined) {
      commands += this.addErase(sink, write.erasing, write.records);
    } else {
      for (const { id, rank, entry } of write.records) this.putRecord(sink, id, rank, entry, '1');
      commands += write.records.length;
    }
    for (const u of write.users) {
      const [gen, page] = this.pageKeys(u);
      sink.dapiPageInvalidate(gen, page, String(this.options.ttlSeconds * 2));
    }
    return commands;
  }

  /** One dapiRecordErase per group: the user's quiet key, and the deletions of the group's records. */
  private addErase(sink: CommandSink, userId: string, records: CacheWrite['records']): number {
    const byGroup = groupTags().map(() => ({ keys: [] as string[], ranks: [] as string[] }));
    for (const { id, rank } of records) {
      const group = byGroup[groupOf(id)]!;
      group.keys.push(this.key(recordKey(id)));
      group.ranks.push(String(rank));
    }
    const life = String(this.options.tombstoneTtlSeconds);
    groupTags().forEach((tag, n) => {
      const { keys, ranks } = byGroup[n]!;
      sink.dapiRecordErase(1 + keys.length, this.key(`${tag}q:${userId}`), ...keys, life, ...ranks);
    });
    return byGroup.length;
  }

  private putRecord(
    sink: Pick<CommandSink, 'dapiRecordPut'>,
    id: RecordId,
    rank: number,
    entry: RecordEntry | undefined,
    keepRank: '0' | '1',
  ): unknown {
    const key = recordKey(id);
    const [now, before] = this.budget.keys(this.redis.keyPrefix, tagOf(key));
    return sink.dapiRecordPut(
      this.key(key),
      now,
      before,
      // A deletion has no owner to hold back: the group's key of no user, which is never set.
      this.key(quietKey(id, entry?.userId ?? '')),
      String(rank),
      entry ? encodeContent(entry) : '',
      String(this.options.ttlSeconds),
      String(this.options.tombstoneTtlSeconds),
      ...this.budget.args(),
      keepRank,
    );
  }

  private pageKeys(userId: string): [gen: string, page: string] {
    const key = this.key(pagesKey(userId));
    return [`${key}:g`, `${key}:p`];
  }

  private key(key: string): string {
    return `${this.redis.keyPrefix}${key}`;
  }
}

/** A pipeline made after the cache's scripts were defined has them as commands (cache-scripts.ts). */
function commands(pipe: unknown): CacheCommands {
  return pipe as CacheCommands;
}

/** The result of a job's one command; undefined when it failed or the pipeline had no answer. */
function resultOf(replies: PipelineReply[] | undefined): unknown {
  const reply = replies?.[0];
  return reply && !reply[0] ? reply[1] : undefined;
}

/** What follows the rank of a record's entry: `<user id>\n<bytes>`. */
function encodeContent(entry: RecordEntry): Buffer {
  return Buffer.concat([Buffer.from(`${entry.userId}\n`), entry.bytes]);
}

function decodeRecord(raw: Buffer): { rank: number; entry: RecordEntry | null } | undefined {
  const nl = raw.indexOf(0x0a);
  const rank = Number(raw.subarray(0, nl).toString());
  if (nl < 0 || !Number.isSafeInteger(rank)) return undefined;
  if (nl === raw.length - 1) return isDeleted(rank) ? { rank, entry: null } : undefined;
  // user_id cannot hold a newline (the contract's pattern), so the next newline ends it.
  const nl2 = raw.indexOf(0x0a, nl + 1);
  return {
    rank,
    entry: { version: rank / 2, userId: raw.subarray(nl + 1, nl2).toString(), bytes: raw.subarray(nl2 + 1) },
  };
}
