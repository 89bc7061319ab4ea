/**
 * Record use cases: create, bulk create, read, list with cursors, replace, merge-patch and
 * delete with optimistic concurrency. No HTTP and no SQL here.
 */
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../domain/errors.js';
import type { DeletedRecord, RecordsRepository, StoredRecord } from '../domain/records.js';
import { NoopPublisher, type ChangeEvent, type ChangeType, type EventPublisher } from '../domain/events.js';
import { CursorCodec, type CursorScope } from './cursor.js';
import {
  inspectJson,
  isJsonObject,
  jsonTextOf,
  parseJsonExact,
  type JsonObject,
  type JsonText,
  type JsonValue,
} from '../domain/json-value.js';
import { applyMergePatch } from './merge-patch.js';
import { evaluate, preconditionFailed, type Conditions } from './conditions.js';

export interface RecordsServiceOptions {
  payloadLimitBytes: number;
  jsonMaxDepth: number;
  /** Most digits of one payload number (JSON_MAX_NUMBER_DIGITS). */
  jsonMaxNumberDigits: number;
  bulkMaxItems: number;
  cursorSecret: Buffer;
}

export type { Precondition } from './conditions.js';

export interface ListRequest {
  userId: string;
  limit: number;
  cursor?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface RecordPage {
  items: StoredRecord[];
  nextCursor: string | null;
}

const PATCH_ATTEMPTS = 5;

export class RecordsService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly repo: RecordsRepository,
    private readonly options: RecordsServiceOptions,
    private readonly events: EventPublisher = new NoopPublisher(),
  ) {
    this.cursors = new CursorCodec(options.cursorSecret);
  }

  /**
   * Checks a payload (depth, strings, numbers, size; `pointer` says where it sits in the request
   * body) and returns its text, every number as its digits. The size is the payload as the
   * database keeps and serves it: 1e300 counts its 301 digits there.
   */
  private storable(payload: JsonObject, pointer: string): JsonText {
    const { problem, numberGrowth } = inspectJson(
      payload,
      { maxDepth: this.options.jsonMaxDepth, maxDigits: this.options.jsonMaxNumberDigits },
      pointer,
    );
    if (problem) {
      throw new AppError('unsupportedJsonValue', {
        detail: `The value at ${problem.pointer} ${problem.detail}.`,
        errors: [{ location: 'body', pointer: problem.pointer, detail: problem.detail }],
      });
    }
    const text = jsonTextOf(payload);
    const bytes = Buffer.byteLength(text) + numberGrowth;
    if (bytes > this.options.payloadLimitBytes) {
      throw new AppError('contentTooLarge', {
        detail: `The payload at ${pointer} is ${bytes} bytes; the limit is ${this.options.payloadLimitBytes}.`,
        errors: [{ location: 'body', pointer, detail: `over ${this.options.payloadLimitBytes} bytes` }],
      });
    }
    return text;
  }

  async create(userId: string, payload: JsonObject): Promise<StoredRecord> {
    const text = this.storable(payload, '/payload');
    return this.announce('data.created', await this.repo.insert({ id: uuidv7(), userId, payload: text }));
  }

  /**
   * Publishes the change after the commit. Publishing never fails the write (the publisher
   * swallows and counts failures); awaiting it means a client that reads the stream after its
   * response sees its own change.
   */
  private async announce(type: ChangeType, record: StoredRecord): Promise<StoredRecord> {
    await this.events.publish([changeEvent(type, record)]);
    return record;
  }

  async bulkCreate(items: { userId: string; payload: JsonObject }[]): Promise<StoredRecord[]> {
    if (items.length > this.options.bulkMaxItems) {
      throw new AppError('bulkTooLarge', {
        detail: `A bulk create takes at most ${this.options.bulkMaxItems} items; this one has ${items.length}.`,
        errors: [
          { location: 'body', pointer: '/items', detail: `more than ${this.options.bulkMaxItems} items` },
        ],
      });
    }
    const texts = items.map((item, i) => this.storable(item.payload, `/items/${i}/payload`));
    // uuidv7 is monotonic within the process, so input order is id order as well.
    const records = await this.repo.insertMany(
      items.map((item, i) => ({ id: uuidv7(), userId: item.userId, payload: texts[i] as JsonText })),
    );
    await this.events.publish(records.map((r) => changeEvent('data.created', r)));
    return records;
  }

  async get(id: string): Promise<StoredRecord> {
    const record = await this.repo.findById(id);
    if (!record) throw notFound();
    return record;
  }

  /** The record, or null when no record has this id. */
  find(id: string): Promise<StoredRecord | null> {
    return this.repo.findById(id);
  }

  async list(req: ListRequest): Promise<RecordPage> {
    const createdAfter = instantOf(req.createdAfter, 'created_after');
    const createdBefore = instantOf(req.createdBefore, 'created_before', { roundUp: true });
    const scope: CursorScope = {
      userId: req.userId,
      createdAfter: createdAfter?.toISOString() ?? null,
      createdBefore: createdBefore?.toISOString() ?? null,
    };
    let after: { createdAt: Date; id: string } | null = null;
    if (req.cursor !== undefined) {
      const position = this.cursors.decode(req.cursor, scope);
      if (!position) {
        throw new AppError('invalidCursor', {
          detail: 'The cursor is malformed, altered, or was issued for another user or other filters.',
          errors: [{ location: 'query', pointer: 'cursor', detail: 'not a cursor issued for this query' }],
        });
      }
      after = { createdAt: new Date(position.createdAt), id: position.id };
    }
    const rows = await this.repo.listByUser({
      userId: req.userId,
      limit: req.limit + 1,
      createdAfter,
      createdBefore,
      after,
    });
    const items = rows.slice(0, req.limit);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > req.limit && last
        ? this.cursors.encode(scope, { createdAt: last.createdAt.toISOString(), id: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * For a caller restricted to its own records (owner set): 404 unless the record is its own, so
   * another user's ids do not leak. user_id never changes, so this check cannot go stale.
   */
  private async requireOwner(id: string, owner: string | null): Promise<void> {
    if (owner === null) return;
    const record = await this.repo.findById(id);
    if (!record || record.userId !== owner) throw notFound();
  }

  async replace(
    id: string,
    payload: JsonObject,
    conditions: Conditions = {},
    owner: string | null = null,
  ): Promise<StoredRecord> {
    const text = this.storable(payload, '/payload');
    await this.requireOwner(id, owner);
    const expected = await this.expectedVersion(id, conditions);
    const updated = await this.repo.updatePayload(id, text, expected);
    if (updated) return this.announce('data.updated', updated);
    throw await this.explainMiss(id);
  }

  /** Applies an RFC 7396 merge patch of `{payload}`; retries when another writer wins a race. */
  async patch(
    id: string,
    patchPayload: JsonObject | undefined,
    conditions: Conditions = {},
    owner: string | null = null,
  ): Promise<StoredRecord> {
    for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
      const current = await this.repo.findById(id);
      if (!current || (owner !== null && current.userId !== owner)) throw notFound();
      evaluate(conditions, current.version, 'write');
      if (patchPayload === undefined) return current;
      // The stored text parsed without a double: untouched members keep their digits exactly.
      const merged = applyMergePatch(parseJsonExact(current.payload) as JsonValue, patchPayload as JsonValue);
      if (!isJsonObject(merged)) throw new Error('merge of two objects is an object');
      const updated = await this.repo.updatePayload(id, this.storable(merged, '/payload'), current.version);
      if (updated) return this.announce('data.updated', updated);
    }
    throw new AppError('conflict', {
      detail: 'The record kept changing while this patch was applied; retry it.',
    });
  }

  /** Deletes the record; returns its owner and the version the delete removed. */
  async delete(id: string, conditions: Conditions = {}, owner: string | null = null): Promise<DeletedRecord> {
    await this.requireOwner(id, owner);
    const expected = await this.expectedVersion(id, conditions);
    const deleted = await this.repo.delete(id, expected);
    if (deleted === null) throw await this.explainMiss(id);
    const event: ChangeEvent = {
      type: 'data.deleted',
      id,
      user_id: deleted.userId,
      version: deleted.version,
      time: deleted.deletedAt.toISOString(),
    };
    await this.events.publish([event]);
    return deleted;
  }

  /**
   * The version a conditional write must match, or null for any. With If-None-Match, the
   * version the conditions were checked against: a change in between then answers 412.
   */
  private async expectedVersion(id: string, conditions: Conditions): Promise<number | null> {
    const pre = conditions.ifMatch;
    if (!conditions.ifNoneMatch) {
      if (!pre || pre.any) return null;
      if (pre.versions.length === 1) return pre.versions[0] as number;
    }
    const current = await this.repo.findVersion(id);
    if (current === null) throw notFound();
    evaluate(conditions, current, 'write');
    return current;
  }

  private async explainMiss(id: string): Promise<AppError> {
    return (await this.repo.findVersion(id)) === null ? notFound() : preconditionFailed();
  }
}

function changeEvent(type: ChangeType, r: StoredRecord): ChangeEvent {
  return { type, id: r.id, user_id: r.userId, version: r.version, time: r.updatedAt.toISOString() };
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

export function notFound(): AppError {
  return new AppError('recordNotFound', { detail: 'No record has this id.' });
}
