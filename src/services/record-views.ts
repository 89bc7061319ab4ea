/**
 * The representations of records: the one place a record, a cached record entry and a page of
 * records become JSON, so served, cached and warmed answers are the same bytes.
 */
import type { components } from '../../generated/openapi.js';
import type { RecordEntry } from '../domain/record-cache.js';
import type { StoredRecord } from '../domain/records.js';
import { JSON_TYPE, type Reply } from './reply.js';

/** If-None-Match as parsed by the API: any (`*`), or the entity tags it lists (W/ dropped). */
export type IfNoneMatch = { any: true } | { any: false; tags: string[] };

export type RecordJson = components['schemas']['Record'];
type RecordPageJson = components['schemas']['RecordPage'];

export function recordJson(r: StoredRecord): RecordJson {
  return {
    id: r.id,
    user_id: r.userId,
    payload: r.payload,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    version: r.version,
  };
}

/** A record's entity tag: its version as a strong tag, `"3"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** True when If-None-Match names the current version (weak comparison, RFC 9110 13.1.2). */
export function noneMatchHits(cond: IfNoneMatch | undefined, version: number): boolean {
  return cond !== undefined && (cond.any || cond.tags.includes(etagOf(version)));
}

/** The cached form of a record: its JSON bytes, with the version and owner beside them. */
export function entryOf(r: StoredRecord): RecordEntry {
  return { version: r.version, userId: r.userId, bytes: Buffer.from(JSON.stringify(recordJson(r))) };
}

/** The JSON bytes of a page of a user's records. */
export function pageBytes(items: StoredRecord[], nextCursor: string | null): Buffer {
  const page: RecordPageJson = { items: items.map(recordJson), next_cursor: nextCursor };
  return Buffer.from(JSON.stringify(page));
}

/** A record answer: its bytes with its ETag. */
export function entryReply(status: number, entry: RecordEntry, headers: Record<string, string> = {}): Reply {
  return { status, body: entry.bytes, type: JSON_TYPE, headers: { ETag: etagOf(entry.version), ...headers } };
}
