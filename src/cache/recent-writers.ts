/**
 * The users who wrote most recently, for cache warming: a Redis sorted set (score: the time of
 * the write) shared by every instance, trimmed to the newest 10,000. Not the distinct-users
 * metric (observability/unique-users.ts). Without Redis there is no such set.
 */
import type { ChainableCommander } from 'ioredis';
import type { RedisGateway } from '../redis/redis-gateway.js';

// The key's name predates this module's; renaming it would forget every writer on deploy.
const KEY = 'active-users';
const KEPT = 10_000;
const TRIM_EVERY = 64;

export class RecentWriters {
  /** Writes noted; the set is trimmed on one in TRIM_EVERY. */
  private notes = 0;

  constructor(private readonly redis: RedisGateway) {}

  /** Adds "these users wrote now" to a pipeline. */
  note(pipe: Pick<ChainableCommander, 'zadd' | 'zremrangebyrank'>, users: string[]): void {
    if (users.length === 0) return;
    const key = this.key();
    const now = Date.now();
    pipe.zadd(key, ...users.flatMap((u) => [now, u]));
    if (++this.notes % TRIM_EVERY === 0) pipe.zremrangebyrank(key, 0, -(KEPT + 1));
  }

  /** Notes these users in a round trip of their own; best effort, for callers off the response path. */
  async noteApart(users: string[]): Promise<void> {
    if (users.length === 0) return;
    await this.redis.run(async (c) => {
      const pipe = c.pipeline();
      this.note(pipe, users);
      await pipe.exec();
    });
  }

  /** The n users who wrote most recently, newest first (empty without Redis). */
  async newest(n: number): Promise<string[]> {
    if (n <= 0) return [];
    return (await this.redis.run((c) => c.zrevrange(this.key(), 0, n - 1))) ?? [];
  }

  private key(): string {
    return `${this.redis.keyPrefix}${KEY}`;
  }
}
