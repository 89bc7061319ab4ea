/**
 * The names of the cache's entries, the same in L1 and (behind the key prefix) in L2. Every key
 * of the cache is made here from a record id or a user id, so these functions are where an id
 * becomes a key. Record ids arrive in their one form (domain/record-id.ts): a key is never made
 * from the text of a request.
 *
 * Each key starts with the hash tag of one of SHARDS groups, `{c:<n>}`, chosen by a hash of the
 * id: every key of a group is in one Redis Cluster slot, so a Lua script may touch an entry and
 * its group's byte budget (l2-budget.ts) at once, atomically, on a single Redis or a Cluster.
 */
import type { RecordId } from '../domain/record-id.js';

/** Groups of L2 keys; each holds at most 1/SHARDS of the L2 byte budget. */
export const SHARDS = 16;

/** FNV-1a of the text's UTF-16 code units: cheap, stable across processes and releases. */
function shardOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SHARDS;
}

/** The hash tag of a key: `{c:<n>}`. */
export function tagOf(key: string): string {
  return key.slice(0, key.indexOf('}') + 1);
}

/** The entry of one record (its bytes and version, a tombstone, or only its version). */
export function recordKey(id: RecordId): string {
  return `{c:${shardOf(id)}}r:${id}`;
}

/** The entry of one user's first page (in L2, the `:g` generation and `:p` page keys). */
export function pagesKey(userId: string): string {
  return `{c:${shardOf(userId)}}u:${userId}`;
}

/** The entry of a user being erased in the group of this record: refuses the user's bytes there. */
export function quietKey(id: RecordId, userId: string): string {
  return `{c:${shardOf(id)}}q:${userId}`;
}

/** The hash tag of each group, in order. */
export function groupTags(): string[] {
  return Array.from({ length: SHARDS }, (_, n) => `{c:${n}}`);
}

/** The group of a record's keys. */
export function groupOf(id: RecordId): number {
  return shardOf(id);
}
