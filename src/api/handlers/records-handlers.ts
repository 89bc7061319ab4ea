/**
 * Handlers of the record operations: read the typed request, call one RecordOperations method
 * with the authenticated caller, hand its reply to the dispatcher (write-reply.ts).
 */
import type Koa from 'koa';
import type { Context } from 'openapi-backend';
import type { components, operations } from '../../../generated/openapi.js';
import type { JsonObject } from '../../domain/json-value.js';
import type { Principal } from '../../domain/principal.js';
import type { RecordPrefetch } from '../../domain/record-cache.js';
import { recordIdOf, type RecordId } from '../../domain/record-id.js';
import type { IdempotentRequest, RecordOperations } from '../../services/record-operations.js';
import type { Conditions } from '../../services/conditions.js';
import type { Reply } from '../../services/reply.js';
import { parseIfMatch, parseIfNoneMatch } from '../preconditions.js';
import { jsonQueryParameter } from '../json-query.js';
import { returnPreference } from '../prefer.js';

type Schemas = components['schemas'];
type ListQuery = operations['listRecords']['parameters']['query'];
type ExportQuery = operations['exportRecords']['parameters']['query'];
type EraseQuery = operations['eraseUserRecords']['parameters']['query'];

function header(c: Context, name: string): string | undefined {
  const v = c.request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The path's record id in its one form (a UUID in lower case; docs/caching.md), parsed here once
 * so that the cache, the events, the answer and the audit line (which falls back to the state's
 * records when the operation fails) all name the record the same way.
 */
function recordId(c: Context, ctx: Koa.Context): RecordId {
  const id = recordIdOf(c.request.params.id as string);
  ctx.state.records = [id];
  return id;
}

/**
 * The caller the auth middleware authenticated; the contract's security handlers have already
 * refused a request without one, so a missing principal is a wiring fault, never a default.
 */
function caller(ctx: Koa.Context): Principal {
  const principal = ctx.state.principal as Principal | undefined;
  if (!principal) throw new Error('no authenticated caller on a /data operation');
  return principal;
}

/** If-Match and If-None-Match, on every method (RFC 9110 13.2.2; services/conditions.ts). */
function conditions(c: Context): Conditions {
  return {
    ifMatch: parseIfMatch(header(c, 'if-match')),
    ifNoneMatch: parseIfNoneMatch(header(c, 'if-none-match')),
  };
}

/** body: what the request's fingerprint covers (an erase has no body: its user_id). */
function idempotent(c: Context, body: unknown = c.request.requestBody): IdempotentRequest {
  return {
    key: header(c, 'idempotency-key'),
    operation: c.operation.operationId as string,
    body,
  };
}

export interface RecordsHandlerOptions {
  /** JSON_MAX_DEPTH: how deep a payload_contains filter may nest, as a payload may. */
  jsonMaxDepth: number;
}

export function recordsHandlers(
  records: RecordOperations,
  options: RecordsHandlerOptions = { jsonMaxDepth: 32 },
) {
  const contains = (text: string | undefined) =>
    jsonQueryParameter(text, 'payload_contains', options.jsonMaxDepth);
  return {
    async createRecord(c: Context, ctx: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordCreate'];
      return records.create(caller(ctx), body.user_id, body.payload as JsonObject, idempotent(c));
    },

    async bulkCreateRecords(c: Context, ctx: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['BulkCreateRequest'];
      const items = body.items.map((item) => ({ userId: item.user_id, payload: item.payload as JsonObject }));
      const prefer = { return: returnPreference(header(c, 'prefer')) };
      return records.bulkCreate(caller(ctx), items, idempotent(c), prefer);
    },

    async listRecords(c: Context, ctx: Koa.Context): Promise<Reply> {
      const q = c.request.query as unknown as ListQuery;
      return records.list(caller(ctx), {
        userId: q.user_id,
        limit: q.limit,
        cursor: q.cursor,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
        contains: contains(q.payload_contains),
      });
    },

    async exportRecords(c: Context, ctx: Koa.Context): Promise<Reply> {
      const q = c.request.query as unknown as ExportQuery;
      return records.export(caller(ctx), {
        userId: q.user_id,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
        contains: contains(q.payload_contains),
      });
    },

    async eraseUserRecords(c: Context, ctx: Koa.Context): Promise<Reply> {
      const q = c.request.query as unknown as EraseQuery;
      return records.erase(caller(ctx), q.user_id, idempotent(c, { user_id: q.user_id }));
    },

    async getRecord(c: Context, ctx: Koa.Context): Promise<Reply> {
      const prefetched = ctx.state.prefetched as RecordPrefetch | undefined;
      return records.get(caller(ctx), recordId(c, ctx), conditions(c), prefetched);
    },

    async replaceRecord(c: Context, ctx: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordReplace'];
      return records.replace(caller(ctx), recordId(c, ctx), body.payload as JsonObject, conditions(c));
    },

    async patchRecord(c: Context, ctx: Koa.Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordMergePatch'];
      const payload = body.payload as JsonObject | undefined;
      return records.patch(caller(ctx), recordId(c, ctx), payload, conditions(c));
    },

    async deleteRecord(c: Context, ctx: Koa.Context): Promise<Reply> {
      return records.delete(caller(ctx), recordId(c, ctx), conditions(c));
    },
  };
}
