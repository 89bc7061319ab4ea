/**
 * Lua scripts for a user's cached first pages in Redis. Each touches the user's two keys (one
 * hash slot thanks to the `{u:...}` hash tag): a generation counter and a hash of pages keyed
 * `<generation>:<limit>`. A fill lands only if the generation is still the one read before the
 * database query, so a page computed before a write can never be stored after it.
 */
import type { RedisClient } from '../redis/redis-gateway.js';

export const PAGE_SCRIPTS = {
  dapiPageGet: {
    numberOfKeys: 2,
    lua: `
      local g = redis.call('GET', KEYS[1]) or '0'
      return {g, redis.call('HGET', KEYS[2], g .. ':' .. ARGV[1])}`,
  },
  dapiPageSet: {
    numberOfKeys: 2,
    lua: `
      local g = redis.call('GET', KEYS[1]) or '0'
      if g ~= ARGV[1] then return 0 end
      redis.call('HSET', KEYS[2], g .. ':' .. ARGV[2], ARGV[3])
      redis.call('EXPIRE', KEYS[2], ARGV[4])
      return 1`,
  },
  dapiPageInvalidate: {
    numberOfKeys: 2,
    lua: `
      redis.call('INCR', KEYS[1])
      redis.call('EXPIRE', KEYS[1], ARGV[1])
      redis.call('DEL', KEYS[2])
      return 1`,
  },
} as const;

export interface PageCommands {
  /** [generation, page bytes or null]. */
  dapiPageGetBuffer(genKey: string, pagesKey: string, limit: string): Promise<[Buffer, Buffer | null]>;
  dapiPageSet(
    genKey: string,
    pagesKey: string,
    generation: string,
    limit: string,
    bytes: Buffer,
    ttlSeconds: string,
  ): Promise<number>;
  dapiPageInvalidate(genKey: string, pagesKey: string, ttlSeconds: string): Promise<number>;
}

/**
 * The client with the page scripts defined on it (once per client). A pipeline takes the
 * client's scripts when it is made, so make pipelines from the client this returns.
 */
export function withPageScripts(c: RedisClient): RedisClient & PageCommands {
  const client = c as RedisClient & Partial<PageCommands>;
  if (!client.dapiPageGetBuffer) {
    for (const [name, def] of Object.entries(PAGE_SCRIPTS)) c.defineCommand(name, def);
  }
  return client as RedisClient & PageCommands;
}
