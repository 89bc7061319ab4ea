/**
 * Opaque keyset cursors: the (created_at, id) of the last row of a page, bound to the query
 * that produced it (user and filters) and signed with HMAC-SHA256, so an altered cursor or one
 * from another query is refused instead of silently reading the wrong rows.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface CursorScope {
  userId: string;
  createdAfter: string | null;
  createdBefore: string | null;
  /** The payload filter's digest (record-listing.ts), null without one. */
  contains?: string | null;
}

export interface CursorPosition {
  createdAt: string;
  id: string;
}

interface CursorBody {
  v: 1;
  u: string;
  a: string | null;
  b: string | null;
  /** Absent in cursors without a payload filter (and in those issued before filters existed). */
  f?: string;
  t: string;
  i: string;
}

const SIG_BYTES = 16;

export class CursorCodec {
  /**
   * The secret as a key object, made once: an HMAC given the secret's bytes makes a key object
   * of them on every call, which cost five times the HMAC itself (13 µs against 2.5 µs here,
   * about 6 % of an uncached first page's CPU).
   */
  private readonly key: KeyObject;

  constructor(secret: Buffer) {
    this.key = createSecretKey(secret);
  }

  private sign(data: string): Buffer {
    return createHmac('sha256', this.key).update(data).digest().subarray(0, SIG_BYTES);
  }

  encode(scope: CursorScope, position: CursorPosition): string {
    const body: CursorBody = {
      v: 1,
      u: scope.userId,
      a: scope.createdAfter,
      b: scope.createdBefore,
      ...(scope.contains ? { f: scope.contains } : {}),
      t: position.createdAt,
      i: position.id,
    };
    const data = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${data}.${this.sign(data).toString('base64url')}`;
  }

  /** The position, or undefined when the cursor is malformed, altered or from another query. */
  decode(cursor: string, scope: CursorScope): CursorPosition | undefined {
    const [data, sig, extra] = cursor.split('.');
    if (!data || !sig || extra !== undefined) return undefined;
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== SIG_BYTES || !timingSafeEqual(given, this.sign(data))) return undefined;
    let body: CursorBody;
    try {
      body = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as CursorBody;
    } catch {
      return undefined;
    }
    if (
      body.v !== 1 ||
      body.u !== scope.userId ||
      body.a !== scope.createdAfter ||
      body.b !== scope.createdBefore ||
      (body.f ?? null) !== (scope.contains ?? null) ||
      typeof body.t !== 'string' ||
      typeof body.i !== 'string'
    ) {
      return undefined;
    }
    return { createdAt: body.t, id: body.i };
  }
}
