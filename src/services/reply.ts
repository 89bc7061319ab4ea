/**
 * What a use case answers: the status, the headers and the body of the representation, which
 * src/api writes as it is. Use cases build whole representations because the cache keeps their
 * bytes and an Idempotency-Key replays them exactly (docs/adr/0008-layers.md).
 */

export interface Reply {
  status: number;
  /** A JSON value, or a string/Buffer sent as it is with `type`. */
  body?: unknown;
  type?: string;
  headers?: Record<string, string>;
  /** What the audit line names: the records and users a write touched. */
  audit?: { records?: string[]; users: string[] };
}

export const JSON_TYPE = 'application/json';
