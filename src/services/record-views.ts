/**
 * The representations of records: the one place a record, a cached record entry and a page of
 * records become JSON, so served, cached and warmed answers are the same bytes. The payload is
 * the store's JSON text spliced in as it is: no parse, so no number passes through a double.
 */
import type { RecordEntry } from '../domain/record-cache.js';
import type { StoredRecord } from '../domain/records.js';
import { JSON_TYPE, type Reply } from './reply.js';

/** If-None-Match as parsed by the API: any (`*`), or the entity tags it lists (W/ dropped). */
export type IfNoneMatch = { any: true } | { any: false; tags: string[] };

/**
 * A record as the contract's Record, members in its order. Ids and user ids go through
 * JSON.stringify; the times (toISOString) and the version need no escaping.
 */
export function recordText(r: StoredRecord): string {
  return (
    `{"id":${JSON.stringify(r.id)},"user_id":${JSON.stringify(r.userId)},"payload":${r.payload},` +
    `"created_at":"${r.createdAt.toISOString()}","updated_at":"${r.updatedAt.toISOString()}",` +
    `"version":${r.version}}`
  );
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
  return { version: r.version, userId: r.userId, bytes: Buffer.from(recordText(r)) };
}

/** The JSON bytes of a page of a user's records (the contract's RecordPage). */
export function pageBytes(items: StoredRecord[], nextCursor: string | null): Buffer {
  return Buffer.from(
    `{"items":[${items.map(recordText).join(',')}],"next_cursor":${JSON.stringify(nextCursor)}}`,
  );
}

/** The media type of an export: newline-delimited JSON, one record a line. */
export const NDJSON_TYPE = 'application/x-ndjson';

/** Records as export lines: each its usual JSON (recordText), then a line feed. */
export function ndjsonBytes(items: StoredRecord[]): Buffer {
  return Buffer.from(items.map((r) => `${recordText(r)}\n`).join(''));
}

/** The JSON bytes of an erase's answer (the contract's UserErased). */
export function erasedBytes(userId: string, deleted: number): Buffer {
  return Buffer.from(`{"user_id":${JSON.stringify(userId)},"deleted":${deleted}}`);
}

/** The JSON bytes of a bulk create's answer (BulkCreateResponse), from the records' cached bytes. */
export function bulkBytes(entries: RecordEntry[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{"items":[')];
  for (const [i, e] of entries.entries()) {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(e.bytes);
  }
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/** The minimal answer of a bulk create (BulkCreateMinimal): how many records, and their ids in input order. */
export function minimalBulkBytes(ids: string[]): Buffer {
  return Buffer.from(`{"count":${ids.length},"ids":${JSON.stringify(ids)}}`);
}

/** A record answer: its bytes with its ETag. */
export function entryReply(status: number, entry: RecordEntry, headers: Record<string, string> = {}): Reply {
  return { status, body: entry.bytes, type: JSON_TYPE, headers: { ETag: etagOf(entry.version), ...headers } };
}
