/**
 * How a committed write reaches Redis: its new state into L2 (l2-store.ts says which commands),
 * then its announcement on the invalidation bus, then a note of who wrote (for warming). Redis
 * must have the writes before any instance hears of them; how that is ensured depends on the
 * topology:
 * - a single Redis runs one connection's commands in order, so everything goes in one pipeline:
 *   one round trip, one socket write, PUBLISH still after the writes it announces;
 * - on a Cluster the keys live on different nodes, so the writes first, and the announcement
 *   once they have all answered.
 */
import type { ChainableCommander } from 'ioredis';
import type { RecordId } from '../domain/record-id.js';
import type { RedisClient, RedisGateway } from '../redis/redis-gateway.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { CacheWrite, CommandSink, L2Store } from './l2-store.js';
import { withCacheScripts, type CacheCommands } from './cache-scripts.js';
import type { RecentWriters } from './recent-writers.js';

export class WriteThrough {
  constructor(
    private readonly redis: RedisGateway,
    private readonly l2: L2Store,
    private readonly bus: InvalidationBus,
    private readonly writers: RecentWriters,
  ) {}

  /** Sends a fresh write; false when Redis did not take all of it (the caller remembers it). */
  async send(write: CacheWrite): Promise<boolean> {
    const ok = await this.redis.run(async (c) => {
      const client = withCacheScripts(c);
      if (!c.isCluster) return this.inOneTrip(client, write);
      await this.inSteps(client, write);
      // Off the response path: the note of who wrote is not worth a round trip of waiting.
      void this.writers.noteApart(write.users);
      return true;
    });
    return ok === true;
  }

  /**
   * Sends a remembered invalidation again, writes then announcement on either topology; who
   * wrote was noted (or lost) the first time. False when Redis did not take all of it.
   */
  async resend(write: CacheWrite): Promise<boolean> {
    const ok = await this.redis.run(async (c) => {
      await this.inSteps(withCacheScripts(c), write);
      return true;
    });
    return ok === true;
  }

  /**
   * One pipeline. Throws when any but the note of who wrote failed, so the invalidation is
   * remembered and replayed.
   */
  private async inOneTrip(c: RedisClient & CacheCommands, write: CacheWrite): Promise<boolean> {
    const pipe = c.pipeline();
    const needed = this.l2.addWrite(pipelineSink(pipe), write) + 1;
    this.bus.announce(pipe, ranks(write), write.users, erased(write));
    this.writers.note(pipe, write.users);
    const replies = await pipe.exec();
    if (!replies || replies.length < needed || replies.slice(0, needed).some(([err]) => err)) {
      throw new Error('the cache invalidation did not complete');
    }
    return true;
  }

  /** The writes in parallel, then the announcement once all have answered; throws if any failed. */
  private async inSteps(c: RedisClient & CacheCommands, write: CacheWrite): Promise<void> {
    const sent: Promise<unknown>[] = [];
    this.l2.addWrite(
      {
        dapiRecordPut: (...args) => sent.push(c.dapiRecordPut(...args)),
        dapiRecordErase: (...args) => sent.push(c.dapiRecordErase(...args)),
        dapiPageInvalidate: (...args) => sent.push(c.dapiPageInvalidate(...args)),
      },
      write,
    );
    await Promise.all(sent);
    await this.bus.announce(c, ranks(write), write.users, erased(write));
  }
}

/** A pipeline made from a client with the page scripts defined has them too (page-scripts.ts). */
function pipelineSink(pipe: ChainableCommander): CommandSink {
  return pipe as ChainableCommander & CommandSink;
}

/**
 * What the announcement names: each record with its rank, never its bytes. An erase names its
 * user instead of its records (a batch is up to a thousand ids; the others drop the user's).
 */
function ranks(write: CacheWrite): { id: RecordId; rank: number }[] {
  if (write.erasing !== undefined) return [];
  return write.records.map((r) => ({ id: r.id, rank: r.rank }));
}

function erased(write: CacheWrite): string[] {
  return write.erasing === undefined ? [] : [write.erasing];
}
