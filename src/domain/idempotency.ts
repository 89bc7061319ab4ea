/**
 * What an Idempotency-Key store keeps: a key is claimed atomically by the first request, with a
 * lease; completed with its response, or released when that request failed; and taken over by a
 * retry of the same request once the lease has run out without either (its holder crashed).
 * Implemented in src/data for PostgreSQL/PGlite and Oracle; run by src/services/idempotency.ts.
 */

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Who holds a claim: the random token of one claim, so a holder whose lease was taken over cannot complete or release it. */
export interface Claim {
  subject: string;
  key: string;
  fingerprint: string;
  token: string;
}

export type KeyState =
  | { state: 'claimed' }
  | {
      state: 'in-flight';
      fingerprint: string;
      /** Seconds until the holder's lease runs out and a retry may take the key over. */
      leaseSecondsLeft: number;
    }
  | { state: 'done'; fingerprint: string; response: StoredResponse };

export interface IdempotencyStore {
  /**
   * Claims the key for `ttlSeconds` with a lease of `leaseSeconds`, or tells what holds it. An
   * expired key is claimed by any request; a key in flight whose lease ran out, by a request of
   * the same fingerprint.
   */
  claim(claim: Claim, ttlSeconds: number, leaseSeconds: number): Promise<KeyState>;
  /** Stores the response, if this claim still holds the key. */
  complete(claim: Claim, response: StoredResponse): Promise<void>;
  /** Frees the key, if this claim still holds it and it is not done. */
  release(claim: Claim): Promise<void>;
  purgeExpired(): Promise<void>;
}
