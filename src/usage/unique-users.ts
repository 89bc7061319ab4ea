/**
 * Distinct users over a sliding window (15 minutes by default), for the `unique_users_active`
 * metric; not to be confused with the cache's recent writers, which pick whom to warm. One
 * Redis HyperLogLog per minute (all under one hash tag, so PFCOUNT can merge them on a Cluster),
 * shared by every instance; without Redis, exact sets per minute in this instance, bounded. The
 * local sets also keep Redis to one PFADD per user, minute and instance.
 */
import type { RedisGateway } from '../redis/redis-gateway.js';

const MINUTE = 60_000;
const MAX_LOCAL_PER_MINUTE = 100_000;

/**
 * The counter behind `unique_users_active`. It sits with the metrics it feeds, not with the
 * adapters: it imports only the gateway's type (erased at run time), and app.ts hands it the
 * gateway.
 */
export class UniqueUsers {
  private readonly local = new Map<number, Set<string>>();

  constructor(
    private readonly redis: RedisGateway,
    private readonly windowMinutes = 15,
  ) {}

  private key(minute: number): string {
    return `${this.redis.keyPrefix}{uu}:${minute}`;
  }

  /** Notes a user; never waits on Redis longer than its command timeout, never throws. */
  seen(userId: string): void {
    const minute = Math.floor(Date.now() / MINUTE);
    let set = this.local.get(minute);
    if (!set) {
      set = new Set();
      this.local.set(minute, set);
      for (const m of this.local.keys()) if (m <= minute - this.windowMinutes) this.local.delete(m);
    }
    // A user already noted this minute is already in this minute's HyperLogLog: Redis hears of
    // each user once a minute per instance, not on every request.
    if (set.has(userId)) return;
    if (set.size < MAX_LOCAL_PER_MINUTE) set.add(userId);
    if (this.redis.configured) {
      const key = this.key(minute);
      const ttl = (this.windowMinutes + 1) * 60;
      void this.redis.run((c) => Promise.all([c.pfadd(key, userId), c.expire(key, ttl)]));
    }
  }

  /** Distinct users over the window: Redis's estimate when it answers, else this instance's count. */
  async count(): Promise<number> {
    const minute = Math.floor(Date.now() / MINUTE);
    const minutes = Array.from({ length: this.windowMinutes }, (_, i) => minute - i);
    const shared = await this.redis.run((c) => c.pfcount(...minutes.map((m) => this.key(m))));
    if (shared !== undefined) return shared;
    const union = new Set<string>();
    for (const m of minutes) for (const u of this.local.get(m) ?? []) union.add(u);
    return union.size;
  }
}
