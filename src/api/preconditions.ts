/** Entity tags: a record's ETag is its version as a strong tag, `"3"`. */
import type { Precondition } from '../services/records-service.js';

export function etagOf(version: number): string {
  return `"${version}"`;
}

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
    if (!m[1] && /^[0-9]{1,9}$/.test(m[2] as string)) versions.push(Number(m[2]));
  }
  return { any: false, versions };
}

/** True when If-None-Match lists the current tag (weak comparison, RFC 9110 13.1.2). */
export function ifNoneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const current = etagOf(version);
  return header.split(',').some((part) => part.trim().replace(/^W\//, '') === current);
}
