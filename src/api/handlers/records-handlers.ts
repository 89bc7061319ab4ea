/** Handlers of the record operations: read the typed request, call the service, return a Reply. */
import type { Context } from 'openapi-backend';
import type { components, operations } from '../../../generated/openapi.js';
import type { JsonObject } from '../../services/json-value.js';
import type { RecordsService } from '../../services/records-service.js';
import { etagOf, ifNoneMatchHits, parseIfMatch } from '../preconditions.js';
import { recordJson, recordReply, type Reply } from '../reply.js';

type Schemas = components['schemas'];
type ListQuery = operations['listRecords']['parameters']['query'];

function header(c: Context, name: string): string | undefined {
  const v = c.request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function recordId(c: Context): string {
  return c.request.params.id as string;
}

export function recordsHandlers(service: RecordsService) {
  return {
    async createRecord(c: Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordCreate'];
      const record = await service.create(body.user_id, body.payload as JsonObject);
      return recordReply(201, record, { Location: `/data/${record.id}` });
    },

    async bulkCreateRecords(c: Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['BulkCreateRequest'];
      const records = await service.bulkCreate(
        body.items.map((item) => ({ userId: item.user_id, payload: item.payload as JsonObject })),
      );
      const response: Schemas['BulkCreateResponse'] = { items: records.map(recordJson) };
      return { status: 201, body: response };
    },

    async listRecords(c: Context): Promise<Reply> {
      const q = c.request.query as unknown as ListQuery;
      const page = await service.list({
        userId: q.user_id,
        limit: q.limit ?? 20,
        cursor: q.cursor,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
      });
      const response: Schemas['RecordPage'] = {
        items: page.items.map(recordJson),
        next_cursor: page.nextCursor,
      };
      return { status: 200, body: response };
    },

    async getRecord(c: Context): Promise<Reply> {
      const record = await service.get(recordId(c));
      if (ifNoneMatchHits(header(c, 'if-none-match'), record.version)) {
        return { status: 304, headers: { ETag: etagOf(record.version) } };
      }
      return recordReply(200, record);
    },

    async replaceRecord(c: Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordReplace'];
      const pre = parseIfMatch(header(c, 'if-match'));
      return recordReply(200, await service.replace(recordId(c), body.payload as JsonObject, pre));
    },

    async patchRecord(c: Context): Promise<Reply> {
      const body = c.request.requestBody as Schemas['RecordMergePatch'];
      const pre = parseIfMatch(header(c, 'if-match'));
      return recordReply(200, await service.patch(recordId(c), body.payload as JsonObject | undefined, pre));
    },

    async deleteRecord(c: Context): Promise<Reply> {
      await service.delete(recordId(c), parseIfMatch(header(c, 'if-match')));
      return { status: 204 };
    },
  };
}
