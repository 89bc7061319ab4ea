/**
 * A user's list: one page with its signed cursor (GET /data), or every record in turn, a chunk
 * at a time (GET /data/export), newest first, with the bounds and the payload filter of the
 * request. A payload filter (payload_contains) reads through a scan window: each statement
 * examines at most `scanRows` of the user's rows, found first by the list's index, so a filtered
 * page may hold fewer items than asked, even none, and still carry a next cursor; the walk from
 * cursor to cursor still meets every match once (docs/payload-filter.md).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { inspectJson, isJsonObject, jsonTextOf } from '../domain/json-value.js';
import type {
  ListPosition,
  ListQuery,
  PayloadFilter,
  RecordsRepository,
  StoredRecord,
} from '../domain/records.js';
import { CursorCodec, type CursorScope } from './cursor.js';
import { canonicalJson } from './request-fingerprint.js';

/** payload_contains: at most this many characters (the contract says the same). */
export const PAYLOAD_FILTER_MAX_CHARS = 2048;

export interface ListRequest {
  userId: string;
  limit: number;
  cursor?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** payload_contains as parsed from the request: any JSON value, checked here. */
  contains?: unknown;
}

/** What an export reads: a list's bounds and filter, without a page. */
export type WalkRequest = Omit<ListRequest, 'limit' | 'cursor'>;

export interface RecordPage {
  items: StoredRecord[];
  nextCursor: string | null;
}

export interface ListingOptions {
  cursorSecret: Buffer;
  jsonMaxDepth: number;
  jsonMaxNumberDigits: number;
  /** Most rows one filtered statement examines (the scan window). */
  scanRows: number;
}

/** How an export sizes its chunks: about `targetBytes` of records each, at most `maxRows`. */
export interface ChunkSizing {
  targetBytes: number;
  maxRows: number;
}

interface Walk {
  query: Omit<ListQuery, 'limit' | 'after' | 'contains'>;
  filter: PayloadFilter | null;
  scope: CursorScope;
}

const FIRST_CHUNK_ROWS = 100;
const MIN_CHUNK_ROWS = 10;

export class RecordListing {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly repo: RecordsRepository,
    private readonly options: ListingOptions,
  ) {
    this.cursors = new CursorCodec(options.cursorSecret);
  }

  /** One page and the cursor of the next (null on the last). */
  async page(req: ListRequest): Promise<RecordPage> {
    const walk = this.walkOf(req);
    const after = req.cursor === undefined ? null : this.position(req.cursor, walk.scope);
    const { items, next } = await this.read(walk, after, req.limit);
    const nextCursor = next
      ? this.cursors.encode(walk.scope, { createdAt: next.createdAt.toISOString(), id: next.id })
      : null;
    return { items, nextCursor };
  }

  /**
   * Checks the request, then returns the walk over every record it names, newest first, a
   * chunk per statement (pair, with a filter): the chunks are sized to about `sizing.targetBytes`
   * from the records read so far, so one chunk's memory stays bounded however large the records.
   */
  chunks(req: WalkRequest, sizing: ChunkSizing): AsyncGenerator<StoredRecord[]> {
    const walk = this.walkOf(req);
    return this.walkChunks(walk, sizing);
  }

  private async *walkChunks(walk: Walk, sizing: ChunkSizing): AsyncGenerator<StoredRecord[]> {
    let after: ListPosition | null = null;
    let rows = Math.min(FIRST_CHUNK_ROWS, sizing.maxRows);
    for (;;) {
      const { items, next } = await this.read(walk, after, rows);
      if (items.length > 0) {
        const bytes = items.reduce((n, r) => n + r.payload.length + 200, 0);
        const perRow = bytes / items.length;
        rows = Math.max(MIN_CHUNK_ROWS, Math.min(sizing.maxRows, Math.floor(sizing.targetBytes / perRow)));
        yield items;
      }
      if (!next) return;
      after = next;
    }
  }

  /** The items below `after` (null: from the top) and the position the next read starts below. */
  private async read(
    walk: Walk,
    after: ListPosition | null,
    limit: number,
  ): Promise<{ items: StoredRecord[]; next: ListPosition | null }> {
    const base = { ...walk.query, after };
    if (!walk.filter) {
      const rows = await this.repo.listByUser({ ...base, limit: limit + 1 });
      const items = rows.slice(0, limit);
      return { items, next: rows.length > limit ? positionOf(items[items.length - 1]!) : null };
    }
    // The window: this statement examines the rows above the floor, and the next read goes on
    // below it, whether or not the window held enough matches to fill the page.
    const floor = await this.repo.positionAt({ ...base, skip: this.options.scanRows - 1 });
    const rows = await this.repo.listByUser({
      ...base,
      limit: limit + 1,
      contains: { filter: walk.filter, floor },
    });
    const items = rows.slice(0, limit);
    if (rows.length > limit) return { items, next: positionOf(items[items.length - 1]!) };
    return { items, next: floor };
  }

  private walkOf(req: WalkRequest): Walk {
    const createdAfter = instantOf(req.createdAfter, 'created_after');
    const createdBefore = instantOf(req.createdBefore, 'created_before', { roundUp: true });
    const filter = req.contains === undefined ? null : this.payloadFilter(req.contains);
    return {
      query: { userId: req.userId, createdAfter, createdBefore },
      filter,
      scope: {
        userId: req.userId,
        createdAfter: createdAfter?.toISOString() ?? null,
        createdBefore: createdBefore?.toISOString() ?? null,
        contains: filter ? filterDigest(filter) : null,
      },
    };
  }

  private position(cursor: string, scope: CursorScope): ListPosition {
    const position = this.cursors.decode(cursor, scope);
    if (!position) {
      throw new AppError('invalidCursor', {
        detail: 'The cursor is malformed, altered, or was issued for another user or other filters.',
        errors: [{ location: 'query', pointer: 'cursor', detail: 'not a cursor issued for this query' }],
      });
    }
    return { createdAt: new Date(position.createdAt), id: position.id };
  }

  /** A payload_contains value the stores can compare with: an object they can hold. */
  private payloadFilter(value: unknown): PayloadFilter {
    if (!isJsonObject(value)) {
      throw new AppError('validationFailed', {
        detail: 'payload_contains must be a JSON object, such as {"status":"active"}.',
        errors: [{ location: 'query', pointer: 'payload_contains', detail: 'must be a JSON object' }],
      });
    }
    const { problem } = inspectJson(value, {
      maxDepth: this.options.jsonMaxDepth,
      maxDigits: this.options.jsonMaxNumberDigits,
    });
    if (problem) {
      const where = problem.pointer === '' ? 'the filter' : `${problem.pointer} of the filter`;
      throw new AppError('unsupportedJsonValue', {
        detail: `payload_contains: the value at ${where} ${problem.detail}.`,
        errors: [{ location: 'query', pointer: 'payload_contains', detail: `${where} ${problem.detail}` }],
      });
    }
    return { value, text: jsonTextOf(value) };
  }
}

function positionOf(r: StoredRecord): ListPosition {
  return { createdAt: r.createdAt, id: r.id };
}

/**
 * What binds a cursor to its filter: a digest of the filter's canonical JSON (the
 * Idempotency-Key fingerprint's: members by name, no whitespace, strings by value, numbers as
 * stored), so the same filter written with other member order, whitespace, escapes or exponent
 * spelling takes the same cursors, and any other filter refuses them.
 */
export function filterDigest(filter: PayloadFilter): string {
  return createHash('sha256')
    .update(canonicalJson(filter.value))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

// The instants the database stores: years 1 to 9999 (ISO 8601 without expansion).
const MIN_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A date-time query value as an instant. A leap second (23:59:60, valid RFC 3339) is read as the
 * last millisecond of its minute; instants outside years 1–9999 are refused with 400. Digits
 * past the millisecond (created_at has three) are dropped, which keeps "strictly after" exact;
 * with roundUp (an exclusive upper bound) a value between two milliseconds goes to the next
 * one, so "strictly before 12:00:00.1234" still holds a record made at 12:00:00.123.
 */
function instantOf(value: string | undefined, name: string, { roundUp = false } = {}): Date | null {
  if (value === undefined) return null;
  let ms = Date.parse(value);
  if (Number.isNaN(ms) && /:60(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(value)) {
    ms = Date.parse(value.replace(/:60(\.\d+)?(?=Z|[+-]\d\d:\d\d$)/i, ':59.999'));
  }
  if (Number.isNaN(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT) {
    throw new AppError('validationFailed', {
      detail: `${name} must be an RFC 3339 date-time between the years 1 and 9999.`,
      errors: [
        { location: 'query', pointer: name, detail: 'must be a date-time between the years 1 and 9999' },
      ],
    });
  }
  const beyondMs = /\.\d{3}(\d+)/.exec(value)?.[1];
  if (roundUp && beyondMs !== undefined && /[1-9]/.test(beyondMs)) ms += 1;
  return new Date(ms);
}
