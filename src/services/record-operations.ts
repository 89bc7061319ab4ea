/**
 * The record operations as the API offers them, one method each: who may do it (scopes and the
 * owner rule, for an explicit caller), the Idempotency-Key, the response cache around the
 * records service, and the answer. Handlers only read the request, call one of these and write
 * the reply.
 */
import type { JsonObject } from '../domain/json-value.js';
import { ownerScope, requireActingFor, requireScope, type Principal } from '../domain/principal.js';
import type { CacheMark, RecordCache, RecordPrefetch } from '../domain/record-cache.js';
import { recordIdOf, type RecordId } from '../domain/record-id.js';
import type { StoredRecord } from '../domain/records.js';
import type { Idempotency, LeaseGuard } from './idempotency.js';
import { evaluate, type Conditions } from './conditions.js';
import {
  bulkBytes,
  entryOf,
  entryReply,
  erasedBytes,
  etagOf,
  minimalBulkBytes,
  NDJSON_TYPE,
  pageBytes,
} from './record-views.js';
import { ndjsonStream } from './record-stream.js';
import { notFound, type RecordsService } from './records-service.js';
import { JSON_TYPE, type Reply } from './reply.js';

/** The contract's default page size, and the page that warming preloads. */
export const DEFAULT_PAGE_SIZE = 20;

/** Told of users and created records, for the metrics. */
export interface RecordsObserver {
  created(count: number): void;
  seen(userId: string): void;
}

/** The Idempotency-Key of a create, with what its fingerprint covers. */
export interface IdempotentRequest {
  key: string | undefined;
  operation: string;
  body: unknown;
}

export interface ListInput {
  userId: string;
  limit?: number;
  cursor?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** payload_contains, parsed as JSON (any value; the records service checks it). */
  contains?: unknown;
}

export type ExportInput = Omit<ListInput, 'limit' | 'cursor'>;

/**
 * An export reads chunks of about a MiB of records, a thousand rows at most, each chunk one short
 * statement (two with a payload filter): memory stays flat however many records a user has.
 */
const EXPORT_CHUNKS = { targetBytes: 1024 * 1024, maxRows: 1000 };

export interface RecordOperationsDeps {
  records: RecordsService;
  cache: RecordCache;
  observer: RecordsObserver;
  /** Absent: Idempotency-Key is not kept (each create just runs). */
  idempotency?: Idempotency;
}

export class RecordOperations {
  constructor(private readonly deps: RecordOperationsDeps) {}

  async create(who: Principal, userId: string, payload: JsonObject, idem: IdempotentRequest): Promise<Reply> {
    requireScope(who, 'data:write');
    requireActingFor(who, userId);
    return this.once(who, idem, async (lease) => {
      const since = this.deps.cache.mark();
      lease.beforeWrite();
      const record = await this.deps.records.create(userId, payload);
      this.deps.observer.created(1);
      return this.afterWrite(since, 201, record, { Location: `/data/${recordIdOf(record.id)}` });
    });
  }

  /**
   * `minimal` (Prefer: return=minimal, RFC 7240): the answer names the new records by id, in input
   * order, instead of holding them, and nothing is read back from the database. Either answer says
   * which it is (Preference-Applied) and that it depends on Prefer (Vary); an Idempotency-Key
   * replays the answer the first request got.
   */
  async bulkCreate(
    who: Principal,
    items: { userId: string; payload: JsonObject }[],
    idem: IdempotentRequest,
    prefer: { return?: 'minimal' | 'representation' } = {},
  ): Promise<Reply> {
    requireScope(who, 'data:write');
    for (const item of items) requireActingFor(who, item.userId);
    const headers: Record<string, string> = { Vary: 'Prefer' };
    if (prefer.return) headers['Preference-Applied'] = `return=${prefer.return}`;
    return this.once(who, idem, async (lease) => {
      const since = this.deps.cache.mark();
      lease.beforeWrite();
      const minimal = prefer.return === 'minimal';
      const records = minimal
        ? await this.deps.records.bulkCreateBare(items)
        : await this.deps.records.bulkCreate(items);
      this.deps.observer.created(records.length);
      const users = [...new Set(records.map((r) => r.userId))];
      for (const userId of users) this.deps.observer.seen(userId);
      const audit = { records: records.map((r) => r.id), users };
      if (minimal) {
        // New ids: no level can hold anything of them, so only the users' first pages change.
        await this.deps.cache.written(since, [], users);
        return { status: 201, body: minimalBulkBytes(audit.records), type: JSON_TYPE, headers, audit };
      }
      const entries = (records as StoredRecord[]).map(entryOf);
      await this.deps.cache.written(
        since,
        records.map((r, i) => ({ id: recordIdOf(r.id), entry: entries[i]! })),
        users,
      );
      return { status: 201, body: bulkBytes(entries), type: JSON_TYPE, headers, audit };
    });
  }

  async list(who: Principal, input: ListInput): Promise<Reply> {
    requireScope(who, 'data:read');
    requireActingFor(who, input.userId);
    this.deps.observer.seen(input.userId);
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    // The hot path, the first page of the default size without filters, is cached; other pages
    // go to the database: one entry per user keeps the cache's memory bounded (docs/caching.md).
    // A filtered page is never cached: each filter would be an entry of its own (docs/caching.md).
    if (
      limit !== DEFAULT_PAGE_SIZE ||
      input.cursor !== undefined ||
      input.createdAfter !== undefined ||
      input.createdBefore !== undefined ||
      input.contains !== undefined
    ) {
      const bytes = await this.loadPage({ ...input, limit });
      return { status: 200, body: bytes, type: JSON_TYPE, headers: { 'X-Cache': 'miss' } };
    }
    const { bytes, source } = await this.firstPage(input.userId);
    return { status: 200, body: bytes, type: JSON_TYPE, headers: { 'X-Cache': source } };
  }

  /**
   * Every record of the user, newest first, as NDJSON streamed with back-pressure; the same
   * bounds and filter as the list, checked before the answer starts. Never cached.
   */
  async export(who: Principal, input: ExportInput): Promise<Reply> {
    requireScope(who, 'data:read');
    requireActingFor(who, input.userId);
    this.deps.observer.seen(input.userId);
    const { body, sent } = await ndjsonStream(this.deps.records.exportChunks(input, EXPORT_CHUNKS));
    return { status: 200, body, type: NDJSON_TYPE, streamed: sent, audit: { users: [input.userId] } };
  }

  /**
   * Deletes every record of the user, a batch at a time, each batch gone from every cache level
   * of every instance before the next is deleted; keyed by Idempotency-Key as a create is.
   */
  async erase(who: Principal, userId: string, idem: IdempotentRequest): Promise<Reply> {
    requireScope(who, 'data:write');
    requireActingFor(who, userId);
    return this.once(who, idem, async (lease) => {
      // Once, before the first batch: an erase is safe to run twice (a retry that takes the key
      // over after the lease deletes what is left), so later batches are not held to the window.
      lease.beforeWrite();
      await this.deps.cache.eraseStarting(userId);
      const deleted = await this.deps.records.erase(userId, (batch) =>
        this.deps.cache.erased(
          userId,
          batch.map((r) => ({ id: recordIdOf(r.id), deletedVersion: r.version })),
        ),
      );
      this.deps.observer.seen(userId);
      return {
        status: 200,
        body: erasedBytes(userId, deleted),
        type: JSON_TYPE,
        audit: { users: [userId], count: deleted },
      };
    });
  }

  /** Starts the cache's read of a record early, for this request's get (RecordCache.prefetchRecord). */
  prefetch(id: RecordId): RecordPrefetch | undefined {
    return this.deps.cache.prefetchRecord(id);
  }

  async get(
    who: Principal,
    id: RecordId,
    conditions: Conditions = {},
    prefetched?: RecordPrefetch,
  ): Promise<Reply> {
    requireScope(who, 'data:read');
    const load = async () => {
      const record = await this.deps.records.find(id);
      return record ? entryOf(record) : null;
    };
    const { entry, source } = await this.deps.cache.getRecord(id, load, prefetched);
    // Another user's record answers exactly as a missing one: ids do not leak.
    const owner = ownerScope(who);
    if (!entry || (owner !== null && entry.userId !== owner)) throw notFound();
    if (evaluate(conditions, entry.version, 'read') === 'not-modified') {
      return { status: 304, headers: { ETag: etagOf(entry.version), 'X-Cache': source } };
    }
    return entryReply(200, entry, { 'X-Cache': source });
  }

  async replace(
    who: Principal,
    id: RecordId,
    payload: JsonObject,
    conditions: Conditions = {},
  ): Promise<Reply> {
    requireScope(who, 'data:write');
    const since = this.deps.cache.mark();
    return this.afterWrite(
      since,
      200,
      await this.deps.records.replace(id, payload, conditions, ownerScope(who)),
    );
  }

  async patch(
    who: Principal,
    id: RecordId,
    payload: JsonObject | undefined,
    conditions: Conditions = {},
  ): Promise<Reply> {
    requireScope(who, 'data:write');
    const since = this.deps.cache.mark();
    return this.afterWrite(
      since,
      200,
      await this.deps.records.patch(id, payload, conditions, ownerScope(who)),
    );
  }

  async delete(who: Principal, id: RecordId, conditions: Conditions = {}): Promise<Reply> {
    requireScope(who, 'data:write');
    const since = this.deps.cache.mark();
    const deleted = await this.deps.records.delete(id, conditions, ownerScope(who));
    this.deps.observer.seen(deleted.userId);
    // The tombstone carries the version the delete removed, so no copy of it comes back.
    await this.deps.cache.written(since, [{ id, deletedVersion: deleted.version }], [deleted.userId]);
    return { status: 204, audit: { records: [id], users: [deleted.userId] } };
  }

  /** Preloads the first pages of the users who wrote most recently; resolves with how many. */
  async warmFirstPages(users: number): Promise<number> {
    const recent = await this.deps.cache.recentWriters(users);
    for (const userId of recent) await this.firstPage(userId);
    return recent.length;
  }

  private firstPage(userId: string) {
    return this.deps.cache.getFirstPage(userId, () => this.loadPage({ userId, limit: DEFAULT_PAGE_SIZE }));
  }

  private async loadPage(input: ListInput & { limit: number }): Promise<Buffer> {
    const page = await this.deps.records.list(input);
    return pageBytes(page.items, page.nextCursor);
  }

  /** Runs a write at most once per Idempotency-Key of this caller (when keys are kept). */
  private once(
    who: Principal,
    idem: IdempotentRequest,
    handle: (lease: LeaseGuard) => Promise<Reply>,
  ): Promise<Reply> {
    if (!this.deps.idempotency) return handle({ beforeWrite: () => undefined });
    const { key, operation, body } = idem;
    return this.deps.idempotency.run(`${who.via}:${who.subject}`, key, { operation, body }, handle);
  }

  /** The written record's answer, after the cache holds it, so the next read sees it. */
  private async afterWrite(
    since: CacheMark,
    status: number,
    record: StoredRecord,
    headers: Record<string, string> = {},
  ) {
    this.deps.observer.seen(record.userId);
    const entry = entryOf(record);
    await this.deps.cache.written(since, [{ id: recordIdOf(record.id), entry }], [record.userId]);
    return { ...entryReply(status, entry, headers), audit: { records: [record.id], users: [record.userId] } };
  }
}
