/**
 * Idempotency-Key on POST /data and POST /data/bulk (IETF httpapi draft): a retry with the same
 * key and the same request returns the original response (status, headers, body) and writes
 * nothing; the same key with a different request answers 422; a retry while the first is still
 * being processed answers 409. Keys belong to the caller and expire after IDEMPOTENCY_TTL_SECONDS.
 *
 * A claim holds the key for a lease (IDEMPOTENCY_LEASE_SECONDS). If its request neither completes
 * nor releases it in that time (the process died), a retry of the same request takes it over.
 * Two rules keep the takeover from running the request twice: the holder starts its write only
 * within the write window (the lease less the longest a write may then take, config/cache-rules.ts),
 * so it is no longer writing when its lease ends; and completing or releasing names the claim's
 * own token, so a holder that lost its key changes nothing. Within one process a key held here is
 * never taken over at all.
 */
import { randomUUID } from 'node:crypto';
import type { Claim, IdempotencyStore } from '../domain/idempotency.js';
import { AppError } from '../domain/errors.js';
import type { Reply } from './reply.js';
import { previousFingerprint, requestFingerprint } from './request-fingerprint.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  ttlSeconds: number;
  leaseSeconds: number;
  /** Within this many ms of its claim a request must start its write. */
  writeWindowMs: number;
}

/** Handed to the keyed operation: call it just before the write, which it refuses when too late. */
export interface LeaseGuard {
  beforeWrite(): void;
}

const UNGUARDED: LeaseGuard = { beforeWrite: () => undefined };

export class Idempotency {
  private calls = 0;
  /** The claims this process holds now, by subject and key, with their fingerprints. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly store: IdempotencyStore,
    private readonly options: IdempotencyOptions,
  ) {}

  /**
   * Runs `handle` at most once per (subject, key); undefined key: just runs it. The request's
   * fingerprint covers the operation and the canonical form of the parsed body
   * (request-fingerprint.ts), so formatting and member order do not matter. A replay is the
   * stored answer, status, headers and bytes, as the first request got it.
   */
  async run(
    subject: string,
    key: string | undefined,
    request: { operation: string; body: unknown },
    handle: (guard: LeaseGuard) => Promise<Reply>,
  ): Promise<Reply> {
    if (key === undefined) return handle(UNGUARDED);
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
    const fingerprint = requestFingerprint(request.operation, request.body);
    const local = `${subject}\n${key}`;
    const heldHere = this.held.get(local);
    if (heldHere !== undefined) throw heldHere === fingerprint ? inFlight(1) : reused();
    const claim: Claim = { subject, key, fingerprint, token: randomUUID() };
    const claimedAt = Date.now();
    const held = await this.store.claim(claim, this.options.ttlSeconds, this.options.leaseSeconds);
    if (held.state !== 'claimed') {
      if (
        held.fingerprint !== fingerprint &&
        held.fingerprint !== previousFingerprint(request.operation, request.body)
      ) {
        throw reused();
      }
      if (held.state === 'in-flight') throw inFlight(held.leaseSecondsLeft);
      return {
        status: held.response.status,
        body: held.response.body,
        type: 'application/json',
        headers: { ...held.response.headers, 'Idempotent-Replayed': 'true' },
      };
    }
    this.held.set(local, fingerprint);
    try {
      return await this.handleClaimed(claim, claimedAt, handle);
    } finally {
      this.held.delete(local);
    }
  }

  private async handleClaimed(
    claim: Claim,
    claimedAt: number,
    handle: (guard: LeaseGuard) => Promise<Reply>,
  ): Promise<Reply> {
    const guard: LeaseGuard = {
      beforeWrite: () => {
        // The lease began no earlier than the claim was sent: past the window, the write could
        // still be running when a retry takes the key over.
        if (Date.now() - claimedAt > this.options.writeWindowMs) {
          throw new AppError('databaseUnavailable', {
            detail: 'The request waited too long to reach the database; nothing was written. Retry it.',
            retryAfterSeconds: 1,
          });
        }
      },
    };
    let reply: Reply;
    try {
      reply = await handle(guard);
    } catch (err) {
      await this.store.release(claim).catch(() => undefined);
      throw err;
    }
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
    await this.store.complete(claim, { status: reply.status, headers: reply.headers ?? {}, body });
    return { ...reply, body, type: 'application/json' };
  }
}

function inFlight(retryAfterSeconds: number): AppError {
  return new AppError('idempotencyInFlight', {
    detail: 'A request with this Idempotency-Key is still being processed; retry later.',
    retryAfterSeconds: Math.max(1, retryAfterSeconds),
  });
}

function reused(): AppError {
  return new AppError('idempotencyKeyReused', {
    detail: 'This Idempotency-Key was used with a different request.',
  });
}
