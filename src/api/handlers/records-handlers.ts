/**
 * Handlers of the record operations: read the typed request, call the service, return a Reply.
 * Reads go through the response cache (serialized bytes); writes update it before replying.
 */
import type Koa from 'koa';
import type { Context } from 'openapi-backend';
import type { components, operations } from '../../../generated/openapi.js';
import { DEVELOPER, ownerScope, requireActingFor, requireScope, type Principal } from '../../domain/principal.js';
import type { RecordCache } from '../../cache/record-cache.js';
import type { RecordEntry } from '../../domain/record-cache.js';
import type { StoredRecord } from '../../domain/records.js';
import type { JsonObject } from '../../domain/json-value.js';
import { notFound, type RecordsService } from '../../services/records-service.js';
import type { Idempotency } from '../idempotency.js';
import { etagOf, ifNoneMatchHits, parseIfMatch } from '../preconditions.js';
import { recordJson, type Reply } from '../reply.js';

type Schemas = components['schemas'];
type ListQuery = operations['listRecords']['parameters']['query'];

const JSON_TYPE = 'application/json';

function header(c: Context, name: string): string | undefined {
  const v = c.request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function recordId(c: Context): string {
  return c.request.params.id as string;
}

function entryOf(r: StoredRecord): RecordEntry {
  return { version: r.version, userId: r.userId, bytes: Buffer.from(JSON.stringify(recordJson(r))) };
}

function entryReply(status: number, entry: RecordEntry, headers: Record<string, string> = {}): Reply {
  return { status, body: entry.bytes, type: JSON_TYPE, headers: { ETag: etagOf(entry.version), ...headers } };
}

/** Told of users and created records, for the metrics; optional. */
export interface RecordsObserver {
  created(count: number): void;
  seen(userId: string): void;
}

/**
 * The caller, as authenticated by the auth middleware; the security handlers have already
 * refused requests without one. Handlers called directly (tests) act as the developer.
 */
function principal(ctx: Koa.Context | undefined): Principal {
  return (ctx?.state.principal as Principal | undefined) ?? DEVELOPER;
}

const NO_OBSERVER: RecordsObserver = { created: () => undefined, seen: () => undefined };

/** What the audit line names (see auditLog). */
function audited(ctx: Koa.Context | undefined, records: StoredRecord[]): void {
  if (!ctx) return;
  ctx.state.records = records.map((r) => r.id);
  ctx.state.users = [...new Set(records.map((r) => r.userId))];
}

export function recordsHandlers(
  service: RecordsService,
  cache: RecordCache,
  observer: RecordsObserver = NO_OBSERVER,
  idempotency?: Idempotency,
) {
  /** Runs a create at most once per Idempotency-Key (when the storage keeps keys). */
  function once(c: Context, who: Principal, handle: () => Promise<Reply>): Promise<Reply> {
    const key = header(c, 'idempotency-key');
    if (!idempotency) return handle();
    const operation = c.operation.operationId as string;
    return idempotency.run(
      `${who.via}:${who.subject}`,
      key,
      { operation, body: c.request.requestBody },
      handle,
    );
  }

  /** Replies with the written record after updating the cache, so the next read sees it. */
  async function afterWrite(
    ctx: Koa.Context | undefined,
    status: number,
    record: StoredRecord,
    headers: Record<string, string> = {},
  ) {
    audited(ctx, [record]);
    observer.seen(record.userId);
    const entry = entryOf(record);
    await cache.written([{ id: record.id, entry }], [record.userId]);
    return entryReply(status, entry, headers);
  }

  return {
    async createRecord(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordCreate'];
      const who = principal(ctx);
      requireScope(who, 'data:write');
      requireActingFor(who, body.user_id);
      return once(c, who, async () => {
        const record = await service.create(body.user_id, body.payload as JsonObject);
        observer.created(1);
        return afterWrite(ctx, 201, record, { Location: `/data/${record.id}` });
      });
    },

    async bulkCreateRecords(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['BulkCreateRequest'];
      const who = principal(ctx);
      requireScope(who, 'data:write');
      for (const item of body.items) requireActingFor(who, item.user_id);
      return once(c, who, async () => {
        const records = await service.bulkCreate(
          body.items.map((item) => ({ userId: item.user_id, payload: item.payload as JsonObject })),
        );
        observer.created(records.length);
        audited(ctx, records);
        for (const userId of new Set(records.map((r) => r.userId))) observer.seen(userId);
        await cache.written(
          records.map((r) => ({ id: r.id, entry: entryOf(r) })),
          records.map((r) => r.userId),
        );
        const response: Schemas['BulkCreateResponse'] = { items: records.map(recordJson) };
        return { status: 201, body: response };
      });
    },

    async listRecords(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const q = c.request.query as unknown as ListQuery;
      const who = principal(ctx);
      requireScope(who, 'data:read');
      requireActingFor(who, q.user_id);
      observer.seen(q.user_id);
      const request = {
        userId: q.user_id,
        limit: q.limit ?? 20,
        cursor: q.cursor,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
      };
      const load = async () => {
        const page = await service.list(request);
        const response: Schemas['RecordPage'] = {
          items: page.items.map(recordJson),
          next_cursor: page.nextCursor,
        };
        return Buffer.from(JSON.stringify(response));
      };
      // The hot path, the first page without filters, is cached; other pages go to the database.
      if (q.cursor !== undefined || q.created_after !== undefined || q.created_before !== undefined) {
        return { status: 200, body: await load(), type: JSON_TYPE, headers: { 'X-Cache': 'miss' } };
      }
      const { bytes, source } = await cache.getFirstPage(request.userId, request.limit, load);
      return { status: 200, body: bytes, type: JSON_TYPE, headers: { 'X-Cache': source } };
    },

    async getRecord(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const who = principal(ctx);
      requireScope(who, 'data:read');
      const { entry, source } = await cache.getRecord(recordId(c), async () => {
        const record = await service.find(recordId(c));
        return record ? entryOf(record) : null;
      });
      // Another user's record answers exactly as a missing one: ids do not leak.
      const owner = ownerScope(who);
      if (!entry || (owner !== null && entry.userId !== owner)) throw notFound();
      if (ifNoneMatchHits(header(c, 'if-none-match'), entry.version)) {
        return { status: 304, headers: { ETag: etagOf(entry.version), 'X-Cache': source } };
      }
      return entryReply(200, entry, { 'X-Cache': source });
    },

    async replaceRecord(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordReplace'];
      const who = principal(ctx);
      requireScope(who, 'data:write');
      const pre = parseIfMatch(header(c, 'if-match'));
      const record = await service.replace(recordId(c), body.payload as JsonObject, pre, ownerScope(who));
      return afterWrite(ctx, 200, record);
    },

    async patchRecord(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordMergePatch'];
      const who = principal(ctx);
      requireScope(who, 'data:write');
      const pre = parseIfMatch(header(c, 'if-match'));
      return afterWrite(
        ctx,
        200,
        await service.patch(recordId(c), body.payload as JsonObject | undefined, pre, ownerScope(who)),
      );
    },

    async deleteRecord(c: Context, ctx?: Koa.Context): Promise<Reply> {
      const id = recordId(c);
      const who = principal(ctx);
      requireScope(who, 'data:write');
      const userId = await service.delete(id, parseIfMatch(header(c, 'if-match')), ownerScope(who));
      if (ctx) ctx.state.users = [userId];
      observer.seen(userId);
      await cache.written([{ id, entry: null }], [userId]);
      return { status: 204 };
    },
  };
}
