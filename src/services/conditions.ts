/**
 * Conditional requests on a record (RFC 9110 13.1, evaluated in the order of 13.2.2): If-Match
 * on every method, then If-None-Match on every method (a read answers 304 where a write
 * answers 412). A record's entity tag is its version as a strong tag, `"3"`; tags are compared
 * as text (api/preconditions.ts reads only the canonical form as a version), so `"03"` is not
 * `"3"`. Preconditions are evaluated only when the request would otherwise succeed: a record
 * that is not there answers 404, whatever the conditions say (13.2.1).
 */
import { AppError } from '../domain/errors.js';
import { noneMatchHits, type IfNoneMatch } from './record-views.js';

/** What If-Match asked for: any current version, or one of these versions. */
export type Precondition = { any: true } | { any: false; versions: number[] };

/** The conditional header fields of a request on one record. */
export interface Conditions {
  ifMatch?: Precondition;
  ifNoneMatch?: IfNoneMatch;
}

/** True when If-Match admits the version (strong comparison). */
export function satisfies(pre: Precondition, version: number): boolean {
  return pre.any || pre.versions.includes(version);
}

export function preconditionFailed(field: 'If-Match' | 'If-None-Match' = 'If-Match'): AppError {
  return new AppError('preconditionFailed', {
    detail:
      field === 'If-Match'
        ? 'The record has changed since the entity tag in If-Match; nothing was changed.'
        : "If-None-Match names the record's current entity tag (or *); nothing was changed.",
  });
}

/**
 * The conditions against the record's current version: throws 412 when they fail; for a read,
 * 'not-modified' (304) when If-None-Match names the current tag.
 */
export function evaluate(
  c: Conditions,
  version: number,
  method: 'read' | 'write',
): 'proceed' | 'not-modified' {
  if (c.ifMatch && !satisfies(c.ifMatch, version)) throw preconditionFailed('If-Match');
  if (noneMatchHits(c.ifNoneMatch, version)) {
    if (method === 'read') return 'not-modified';
    throw preconditionFailed('If-None-Match');
  }
  return 'proceed';
}
