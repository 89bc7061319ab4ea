/**
 * What an Idempotency-Key store keeps: a key is claimed atomically by the first request,
 * completed with its response, or released when that request failed. Implemented in src/data
 * for PostgreSQL/PGlite and Oracle; run by src/services/idempotency.ts.
 */

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type KeyState =
  | { state: 'claimed' }
  | { state: 'in-flight'; fingerprint: string }
  | { state: 'done'; fingerprint: string; response: StoredResponse };

export interface IdempotencyStore {
  /** Claims the key, or tells what holds it. */
  claim(subject: string, key: string, fingerprint: string, ttlSeconds: number): Promise<KeyState>;
  complete(subject: string, key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  release(subject: string, key: string, fingerprint: string): Promise<void>;
  purgeExpired(): Promise<void>;
}
