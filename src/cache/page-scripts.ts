/**
 * Lua scripts for a user's cached first page in Redis. Each touches the user's keys (one slot
 * thanks to the group's hash tag, cache-keys.ts): a generation counter `:g`, the page `:p` held
 * as `<generation>\n<bytes>`, and the group's budget counters (l2-budget.ts). A fill lands only
 * if the generation is still the one read before the database query, so a page computed before a
 * write can never be stored after it; a fill never replaces (nor refreshes) a page of the same
 * generation, and stores nothing past the budget.
 */
import { TAKE_BUDGET_LUA } from './l2-budget.js';

export const PAGE_SCRIPTS = {
  // KEYS: generation, page. Answers {generation, page or false}.
  dapiPageGet: {
    numberOfKeys: 2,
    lua: `
      local g = redis.call('GET', KEYS[1]) or '0'
      return {g, redis.call('GET', KEYS[2])}`,
  },
  // KEYS: generation, page, budget now, budget before.
  // ARGV: generation read before the load, page bytes, ttl, group max, counter ttl.
  dapiPageSet: {
    numberOfKeys: 4,
    lua: `${TAKE_BUDGET_LUA}
      local g = redis.call('GET', KEYS[1]) or '0'
      if g ~= ARGV[1] then return 0 end
      local cur = redis.call('GET', KEYS[2])
      if cur and string.sub(cur, 1, #g + 1) == g .. '\\n' then return 0 end
      if not take_budget(KEYS[3], KEYS[4], #ARGV[2], tonumber(ARGV[4]), ARGV[5]) then return 0 end
      redis.call('SET', KEYS[2], g .. '\\n' .. ARGV[2], 'EX', ARGV[3])
      return 1`,
  },
  // KEYS: generation, page. ARGV: ttl of the generation.
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
  /** [generation, `<generation>\n<bytes>` or null]. */
  dapiPageGetBuffer(genKey: string, pageKey: string): Promise<[Buffer, Buffer | null]>;
  dapiPageSet(
    genKey: string,
    pageKey: string,
    budgetNow: string,
    budgetBefore: string,
    generation: string,
    bytes: Buffer,
    ttlSeconds: string,
    groupMax: string,
    counterTtl: string,
  ): Promise<number>;
  dapiPageInvalidate(genKey: string, pageKey: string, ttlSeconds: string): Promise<number>;
}
