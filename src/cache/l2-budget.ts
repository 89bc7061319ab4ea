/**
 * The bound of L2 in bytes. Redis holds more than the cache (rate-limit budgets, the event stream)
 * and runs without eviction, so the cache bounds itself: the bytes of content it stores (record
 * bytes and first pages) are counted per group of keys (cache-keys.ts) and per window of one
 * CACHE_TTL_SECONDS, and content is stored only while its group's count for this window and the
 * previous one stays within CACHE_L2_MAX_BYTES / SHARDS. Content lives at most one window, so
 * what is alive was counted in one of those two: the content held never passes the bound, however
 * many records or users a client reads. Versions without content (tombstones and floors, a few
 * dozen bytes each) are not counted: they are written by writes, which the rate limit bounds.
 *
 * The count is taken inside the script that stores the content, on the group's own slot, so it is
 * atomic on a single Redis and on a Cluster alike.
 */
import { SHARDS } from './cache-keys.js';

/** Lua: take `size` bytes of the group's budget, or answer false when they would pass `max`. */
export const TAKE_BUDGET_LUA = `
local function take_budget(now_key, before_key, size, max, ttl)
  local used = tonumber(redis.call('GET', now_key) or '0') + tonumber(redis.call('GET', before_key) or '0')
  if used + size > max then return false end
  redis.call('INCRBY', now_key, size)
  redis.call('EXPIRE', now_key, ttl)
  return true
end`;

export class L2Budget {
  private readonly windowMs: number;

  /** maxBytes: CACHE_L2_MAX_BYTES; ttlSeconds: the life of content (CACHE_TTL_SECONDS). */
  constructor(
    private readonly maxBytes: number,
    private readonly ttlSeconds: number,
  ) {
    this.windowMs = ttlSeconds * 1000;
  }

  /** The counters of this window and the previous one, in the group of the hash tag `tag`. */
  keys(prefix: string, tag: string): [now: string, before: string] {
    const window = Math.floor(Date.now() / this.windowMs);
    return [`${prefix}${tag}b:${window}`, `${prefix}${tag}b:${window - 1}`];
  }

  /** [most bytes of one group, life of a counter in seconds], as the scripts take them. */
  args(): [groupMax: string, counterTtl: string] {
    return [String(Math.floor(this.maxBytes / SHARDS)), String(this.ttlSeconds * 2 + 1)];
  }
}
