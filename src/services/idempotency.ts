/**
 * Idempotency-Key on POST /data and POST /data/bulk (IETF httpapi draft): a retry with the same
 * key and the same request returns the original response (status, headers, body) and writes
 * nothing; the same key with a different request answers 422; a retry while the first is still
 * being processed answers 409. Keys belong to the caller and expire after IDEMPOTENCY_TTL_SECONDS.
 */
import { createHash } from 'node:crypto';
import type { IdempotencyStore } from '../domain/idempotency.js';
import { AppError } from '../domain/errors.js';
import { plainDecimal } from '../domain/json-numbers.js';
import { isExactNumber } from '../domain/json-value.js';
import type { Reply } from './reply.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  ttlSeconds: number;
}

/**
 * Numbers in the form the database stores them (docs/payload-numbers.md), so that `1E+2` and
 * `100` are one request, as they are one record, while 2^53 and 2^53 + 1 stay two.
 */
function asStored(_key: string, value: unknown): unknown {
  if (isExactNumber(value)) return JSON.rawJSON(plainDecimal(value.rawJSON));
  if (typeof value === 'number' && String(value).includes('e'))
    return JSON.rawJSON(plainDecimal(String(value)));
  return value;
}

export class Idempotency {
  private calls = 0;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly options: IdempotencyOptions,
  ) {}

  /**
   * Runs `handle` at most once per (subject, key); undefined key: just runs it. The request's
   * fingerprint covers the operation and the parsed body, so formatting does not matter. A
   * replay is the stored answer, status, headers and bytes, as the first request got it.
   */
  async run(
    subject: string,
    key: string | undefined,
    request: { operation: string; body: unknown },
    handle: () => Promise<Reply>,
  ): Promise<Reply> {
    if (key === undefined) return handle();
    if (!KEY.test(key)) {
      throw new AppError('validationFailed', {
        detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
        errors: [
          {
            location: 'header',
            pointer: 'idempotency-key',
            detail: 'must be 1 to 255 visible ASCII characters',
          },
        ],
      });
    }
    // Now and then, expired keys are removed (off the response path).
    if (++this.calls % 100 === 0) void this.store.purgeExpired().catch(() => undefined);
    const fingerprint = createHash('sha256')
      .update(request.operation)
      .update('\n')
      .update(JSON.stringify(request.body, asStored))
      .digest('hex');
    const held = await this.store.claim(subject, key, fingerprint, this.options.ttlSeconds);
    if (held.state !== 'claimed') {
      if (held.fingerprint !== fingerprint) {
        throw new AppError('idempotencyKeyReused', {
          detail: 'This Idempotency-Key was used with a different request.',
        });
      }
      if (held.state === 'in-flight') {
        throw new AppError('idempotencyInFlight', {
          detail: 'A request with this Idempotency-Key is still being processed; retry later.',
          retryAfterSeconds: 1,
        });
      }
      return {
        status: held.response.status,
        body: held.response.body,
        type: 'application/json',
        headers: { ...held.response.headers, 'Idempotent-Replayed': 'true' },
      };
    }
    let reply: Reply;
    try {
      reply = await handle();
    } catch (err) {
      await this.store.release(subject, key, fingerprint).catch(() => undefined);
      throw err;
    }
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
    await this.store.complete(subject, key, fingerprint, {
      status: reply.status,
      headers: reply.headers ?? {},
      body,
    });
    return { ...reply, body, type: 'application/json' };
  }
}
