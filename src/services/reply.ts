/**
 * What a use case answers: the status, the headers and the body of the representation, which
 * src/api writes as it is. Use cases build whole representations because the cache keeps their
 * bytes and an Idempotency-Key replays them exactly (docs/adr/0008-layers.md).
 */

import type { Readable } from 'node:stream';

export interface Reply {
  status: number;
  /** A JSON value, or a string/Buffer sent as it is with `type`, or a Readable streamed as it comes. */
  body?: unknown;
  type?: string;
  headers?: Record<string, string>;
  /** What the audit line names: the records and users a write touched, and how many records. */
  audit?: { records?: string[]; users: string[]; count?: number };
  /** With a streamed body: settles once the stream ended or was given up. */
  streamed?: Promise<StreamOutcome>;
}

/** How a streamed answer went: the records handed to the response, and whether it got to the end. */
export interface StreamOutcome {
  records: number;
  complete: boolean;
  /** Why it stopped early, when it failed (not when the client went away). */
  error?: unknown;
}

/** True when a reply's body is a stream (node:stream Readable). */
export function isStream(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

export const JSON_TYPE = 'application/json';
