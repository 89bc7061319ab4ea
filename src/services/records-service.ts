/**
 * Record use cases: create, bulk create, read, list with cursors, replace, merge-patch and
 * delete with optimistic concurrency. No HTTP and no SQL here.
 */
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../domain/errors.js';
import type {
  DeletedRecord,
  ErasedRecord,
  ListPosition,
  NewRecord,
  RecordsRepository,
  StoredRecord,
} from '../domain/records.js';
import { NoopPublisher, type ChangeEvent, type ChangeType, type EventPublisher } from '../domain/events.js';
import {
  RecordListing,
  type ChunkSizing,
  type ListRequest,
  type RecordPage,
  type WalkRequest,
} from './record-listing.js';
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
  /** Most rows one statement of a filtered list examines (default FILTER_SCAN_ROWS). */
  filterScanRows?: number;
  /** Most records one erase statement deletes (default ERASE_BATCH_ROWS). */
  eraseBatchRows?: number;
}

export type { Precondition } from './conditions.js';
export type { ListRequest, RecordPage, WalkRequest } from './record-listing.js';

/** The scan window of a filtered list: docs/performance.md, "Payload filters", measured it. */
export const FILTER_SCAN_ROWS = 10_000;
/** An erase deletes this many records per statement, each committed on its own. */
export const ERASE_BATCH_ROWS = 1000;

const PATCH_ATTEMPTS = 5;

export class RecordsService {
  private readonly listing: RecordListing;

  constructor(
    private readonly repo: RecordsRepository,
    private readonly options: RecordsServiceOptions,
    private readonly events: EventPublisher = new NoopPublisher(),
  ) {
    this.listing = new RecordListing(repo, {
      cursorSecret: options.cursorSecret,
      jsonMaxDepth: options.jsonMaxDepth,
      jsonMaxNumberDigits: options.jsonMaxNumberDigits,
      scanRows: options.filterScanRows ?? FILTER_SCAN_ROWS,
    });
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
    const records = await this.repo.insertMany(this.newRecords(items));
    await this.events.publish(records.map((r) => changeEvent('data.created', r)));
    return records;
  }

  /** bulkCreate without reading the rows back (Prefer: return=minimal): the new records, checked, with their ids. */
  async bulkCreateBare(items: { userId: string; payload: JsonObject }[]): Promise<NewRecord[]> {
    const records = this.newRecords(items);
    const at = this.repo.insertManyBare
      ? await this.repo.insertManyBare(records)
      : (await this.repo.insertMany(records))[0]!.createdAt;
    const made = records.map((r) => ({ ...r, createdAt: at, updatedAt: at, version: 1 }));
    await this.events.publish(made.map((r) => changeEvent('data.created', r)));
    return records;
  }

  private newRecords(items: { userId: string; payload: JsonObject }[]): NewRecord[] {
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
    return items.map((item, i) => ({ id: uuidv7(), userId: item.userId, payload: texts[i]! }));
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

  list(req: ListRequest): Promise<RecordPage> {
    return this.listing.page(req);
  }

  /** Every record of the request's list, newest first, in chunks (checked before it returns). */
  exportChunks(req: WalkRequest, sizing: ChunkSizing): AsyncGenerator<StoredRecord[]> {
    return this.listing.chunks(req, sizing);
  }

  /**
   * Deletes every record of the user, a batch per statement from the newest down, each
   * committed on its own; `erased` hears of each batch before the next starts (the cache drops
   * them). Records created while it runs are deleted too, unless they arrive after its second
   * look from the newest. Publishes one user.erased event; returns how many it deleted.
   */
  async erase(userId: string, erased: (batch: ErasedRecord[]) => Promise<void>): Promise<number> {
    const rows = this.options.eraseBatchRows ?? ERASE_BATCH_ROWS;
    let deleted = 0;
    let below: ListPosition | null = null;
    // Two passes from the newest down: the second deletes what was created during the first
    // (usually nothing: one statement that finds no row). A writer that keeps creating records
    // for the user cannot keep the erase running.
    for (let pass = 0; pass < 2;) {
      const from = await this.repo.positionAt({
        userId,
        createdAfter: null,
        createdBefore: null,
        after: below,
        skip: rows - 1,
      });
      const batch = await this.repo.eraseRange(userId, { below, from });
      deleted += batch.length;
      if (batch.length > 0) await erased(batch);
      below = from;
      if (from === null) pass++;
    }
    await this.events.publish([
      { type: 'user.erased', user_id: userId, deleted, time: new Date().toISOString() },
    ]);
    return deleted;
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

export function notFound(): AppError {
  return new AppError('recordNotFound', { detail: 'No record has this id.' });
}
