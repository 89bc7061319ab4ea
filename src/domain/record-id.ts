/**
 * The one form of a record id. Ids are UUIDs; RFC 9562 (section 4) has their hex digits compared
 * without regard to case on input and written in lower case on output, and the databases agree
 * (PostgreSQL's uuid cast, Oracle's RAW(16)). So `0193...A0` and `0193...a0` name one record, and
 * everything that keys on an id (cache entries, tombstones, invalidations, change events,
 * `Location`, audit lines) must use one spelling of it, or a write through one spelling leaves
 * what was cached under the other. The API parses a path id once, with recordIdOf, and nothing
 * below it sees the raw text (docs/caching.md).
 */

declare const canonical: unique symbol;

/** A record id in its one form: a lower-case UUID, or text that cannot name a record. */
export type RecordId = string & { readonly [canonical]: true };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id in its one form: a UUID in any letter case becomes lower case. Any other text names no
 * record (the repositories answer "not found" without asking the database) and is kept as it
 * is, so such a request still answers 404, as the contract says.
 */
export function recordIdOf(text: string): RecordId {
  return (UUID.test(text) ? text.toLowerCase() : text) as RecordId;
}

/** True when the id can name a record at all (a UUID). */
export function namesRecord(id: RecordId): boolean {
  return UUID.test(id);
}
