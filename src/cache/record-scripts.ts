/**
 * The Lua script that stores a record's state in Redis, ordered by rank (versions.ts). An entry
 * is `<rank>\n` followed, when it holds the record, by `<user id>\n<bytes>`; with nothing after
 * the rank it is a tombstone (odd rank) or a floor (even: the version is known, the bytes are not
 * kept; a miss). One script, so the comparison and the store are one atomic step, on the entry's
 * slot with its group's budget (l2-budget.ts):
 *
 * - a rank lower than the one held is refused; so is the same rank, unless it brings the bytes
 *   a floor lacks (a put never refreshes a lifetime for nothing);
 * - bytes are stored only within the budget. Past it, a write keeps its rank alone (a floor),
 *   so an older state cannot come back; a fill stores nothing unless an older state is held.
 * - bytes are not stored while their owner is being erased (the group's quiet key of the user,
 *   set by dapiRecordErase): they are treated as past the budget.
 *
 * dapiRecordErase is a batch of an erase (DELETE /data?user_id=...) in one group: it sets the
 * user's quiet key of the group, and puts a deletion's rank over each record the group holds
 * (bytes or a floor) of a lower rank. A record the group does not hold gets nothing: its bytes
 * can come only from a fill or write that loaded it before the delete, which the quiet key
 * refuses, and storing a tombstone per erased record would grow Redis by the user's size.
 */
import { TAKE_BUDGET_LUA } from './l2-budget.js';

export const RECORD_SCRIPTS = {
  // KEYS: entry, budget now, budget before, the quiet key of the content's owner in the group.
  // ARGV: rank, content ('' for none), content ttl, version-only ttl, group max, counter ttl,
  //       '1' to keep the rank when the content is refused (a write) or '0' (a fill).
  dapiRecordPut: {
    numberOfKeys: 4,
    lua: `${TAKE_BUDGET_LUA}
      local rank = tonumber(ARGV[1])
      local content = ARGV[2]
      local cur = redis.call('GET', KEYS[1])
      local held = cur and tonumber(string.match(cur, '^(%d+)\\n'))
      if held then
        if held > rank then return 0 end
        if held == rank and (#cur > #ARGV[1] + 1 or #content == 0) then return 0 end
      end
      if #content > 0 then
        if redis.call('EXISTS', KEYS[4]) == 0
          and take_budget(KEYS[2], KEYS[3], #content, tonumber(ARGV[5]), ARGV[6]) then
          redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. content, 'EX', ARGV[3])
          return 1
        end
        if held == rank or (not held and ARGV[7] ~= '1') then return 0 end
      end
      redis.call('SET', KEYS[1], ARGV[1] .. '\\n', 'EX', ARGV[4])
      return 2`,
  },
  // KEYS: the user's quiet key of the group, then the group's entries of erased records.
  // ARGV: the life of the quiet key and of a tombstone, then each entry's deletion rank.
  dapiRecordErase: {
    lua: `
      redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
      local n = 0
      for i = 2, #KEYS do
        local cur = redis.call('GET', KEYS[i])
        local held = cur and tonumber(string.match(cur, '^(%d+)\\n'))
        if held and held < tonumber(ARGV[i]) then
          redis.call('SET', KEYS[i], ARGV[i] .. '\\n', 'EX', ARGV[1])
          n = n + 1
        end
      end
      return n`,
  },
} as const;

export interface RecordCommands {
  dapiRecordPut(
    key: string,
    budgetNow: string,
    budgetBefore: string,
    quietKey: string,
    rank: string,
    content: Buffer | string,
    contentTtl: string,
    markerTtl: string,
    groupMax: string,
    counterTtl: string,
    keepRank: '0' | '1',
  ): Promise<number>;
  /** numberOfKeys comes first: 1 + the entries (a script of variable arity). */
  dapiRecordErase(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number>;
}
