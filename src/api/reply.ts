/** What a handler returns; the dispatcher is the one place that writes it to the response. */
import type { components } from '../../generated/openapi.js';
import type { StoredRecord } from '../domain/records.js';

export interface Reply {
  status: number;
  /** A JSON value, or a string/Buffer sent as it is with `type`. */
  body?: unknown;
  type?: string;
  headers?: Record<string, string>;
}

export type RecordJson = components['schemas']['Record'];

export function recordJson(r: StoredRecord): RecordJson {
  return {
    id: r.id,
    user_id: r.userId,
    payload: r.payload,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    version: r.version,
  };
}
