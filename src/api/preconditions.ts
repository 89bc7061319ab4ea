/** Conditional request headers (RFC 9110 13.1): a record's ETag is its version, `"3"`. */
import type { Precondition } from '../services/conditions.js';
import type { IfNoneMatch } from '../services/record-views.js';

const ETAG = /^\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*$/;

/**
 * Parses If-Match into a Precondition (undefined when absent). Comparison is strong
 * (RFC 9110 13.1.1): a weak tag never matches, so it contributes no version. A value that is
 * not a list of entity tags names no current tag either: the precondition fails (412), which is
 * also what a client that sent a stale or foreign tag gets.
 */
export function parseIfMatch(header: string | undefined): Precondition | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  const versions: number[] = [];
  for (const part of header.split(',')) {
    const m = ETAG.exec(part);
    if (!m) return { any: false, versions: [] };
    // Compared as text: only the form etagOf writes ("3", never "03") names a version.
    if (!m[1] && /^(0|[1-9][0-9]{0,8})$/.test(m[2] as string)) versions.push(Number(m[2]));
  }
  return { any: false, versions };
}

/**
 * Parses If-None-Match (undefined when absent) into `*` or the tags it lists, for the weak
 * comparison of RFC 9110 13.1.2: a W/ prefix is dropped, so "3" and W/"3" both match version 3.
 */
export function parseIfNoneMatch(header: string | undefined): IfNoneMatch | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  return { any: false, tags: header.split(',').map((part) => part.trim().replace(/^W\//, '')) };
}
