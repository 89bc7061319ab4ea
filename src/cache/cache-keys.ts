/**
 * The names of the cache's entries, the same in L1 and (behind the key prefix) in L2. Every key
 * of the cache is made here from a record id or a user id, so these two functions are where an
 * id becomes a key.
 */

// Hash tags keep each record's and each user's keys in one cluster slot (the Lua scripts need it).

/** The entry of one record (its bytes and version, or a tombstone). */
export function recordKey(id: string): string {
  return `{r:${id}}`;
}

/** The entries of one user's first pages (in L2, also the `:gen` and `:pages` keys). */
export function pagesKey(userId: string): string {
  return `{u:${userId}}`;
}
