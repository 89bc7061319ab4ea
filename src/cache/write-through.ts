/**
 * How a committed write reaches Redis: its new state into L2 (l2-store.ts says which commands),
 * then its announcement on the invalidation bus, then a note of who wrote (for warming). Redis
 * must have the writes before any instance hears of them; how that is ensured depends on the
 * topology:
 * - a single Redis runs one connection's commands in order, so everything goes in the turn's
 *   pipeline (redis/turn-pipeline.ts), with the other writes of the turn and the reads and
 *   rate-limit checks of other requests: one round trip and one socket write for all of them,
 *   PUBLISH still after the writes it announces. Each write is judged by its own replies: one
 *   whose commands failed is remembered for replay, the others of the pipeline are not;
 * - on a Cluster the keys live on different nodes, so the writes first, and the announcement
 *   once they have all answered.
 */
import type { ChainableCommander } from 'ioredis';
import type { RecordId } from '../domain/record-id.js';
import type { RedisClient, RedisGateway } from '../redis/redis-gateway.js';
import type { TurnPipeline } from '../redis/turn-pipeline.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { CacheWrite, CommandSink, L2Store } from './l2-store.js';
import { cachePipeline, withCacheScripts, type CacheCommands } from './cache-scripts.js';
import type { RecentWriters } from './recent-writers.js';

export class WriteThrough {
  private readonly pipeline: TurnPipeline;

  constructor(
    private readonly redis: RedisGateway,
    private readonly l2: L2Store,
    private readonly bus: InvalidationBus,
    private readonly writers: RecentWriters,
  ) {
    this.pipeline = cachePipeline(redis);
  }

  /** Sends a fresh write; false when Redis did not take all of it (the caller remembers it). */
  async send(write: CacheWrite): Promise<boolean> {
    if (!this.redis.cluster) return this.inTheTurn(write);
    const ok = await this.redis.run(async (c) => {
      await this.inSteps(withCacheScripts(c), write);
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
   * The write's commands in the turn's pipeline. True when every one but the note of who wrote
   * answered without error; false (so the invalidation is remembered and replayed) otherwise.
   */
  private async inTheTurn(write: CacheWrite): Promise<boolean> {
    let needed = 0;
    const replies = await this.pipeline.submit((pipe) => {
      needed = this.l2.addWrite(pipelineSink(pipe), write) + 1;
      this.bus.announce(pipe, ranks(write), write.users, erased(write));
      this.writers.note(pipe, write.users);
    });
    return (
      replies !== undefined && replies.length >= needed && replies.slice(0, needed).every(([err]) => !err)
    );
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
