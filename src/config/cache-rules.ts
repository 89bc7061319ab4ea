/**
 * Rules between the cache's bounds, and between the Idempotency-Key lease and the database
 * timeouts it must outlast (docs/caching.md, docs/security.md).
 */
import type { KeyValues, Loose } from './config-keys.js';

// L2 counts its bytes in 16 key groups (src/cache/cache-keys.ts), each with 1/16 of the bound.
const L2_GROUPS = 16;

type CacheKeys = Pick<KeyValues, 'CACHE_L1_MAX_BYTES' | 'CACHE_ENTRY_MAX_BYTES' | 'CACHE_L2_MAX_BYTES'>;

/** One entry must fit in L1 and in one group of L2, or the bound would refuse every such entry. */
export function checkCache(v: Loose<CacheKeys>, problems: string[]): void {
  const entry = v.CACHE_ENTRY_MAX_BYTES;
  if (entry === undefined) return;
  if (v.CACHE_L1_MAX_BYTES !== undefined && entry > v.CACHE_L1_MAX_BYTES) {
    problems.push('CACHE_ENTRY_MAX_BYTES: larger than CACHE_L1_MAX_BYTES');
  }
  if (v.CACHE_L2_MAX_BYTES !== undefined && entry > Math.floor(v.CACHE_L2_MAX_BYTES / L2_GROUPS)) {
    problems.push(`CACHE_ENTRY_MAX_BYTES: larger than CACHE_L2_MAX_BYTES / ${L2_GROUPS}`);
  }
}

type LeaseKeys = Pick<
  KeyValues,
  | 'IDEMPOTENCY_LEASE_SECONDS'
  | 'IDEMPOTENCY_TTL_SECONDS'
  | 'DB_CONNECT_TIMEOUT_MS'
  | 'DB_STATEMENT_TIMEOUT_MS'
  | 'ORACLE_CONNECT_STRING'
  | 'ORACLE_QUEUE_TIMEOUT_MS'
  | 'ORACLE_CALL_TIMEOUT_MS'
>;

/** How long after its claim a request may still be writing: a connection's wait, then its statement. */
function longestWriteMs(v: Loose<LeaseKeys>): number {
  return v.ORACLE_CONNECT_STRING?.trim()
    ? (v.ORACLE_QUEUE_TIMEOUT_MS ?? 0) + (v.ORACLE_CALL_TIMEOUT_MS ?? 0)
    : (v.DB_CONNECT_TIMEOUT_MS ?? 0) + (v.DB_STATEMENT_TIMEOUT_MS ?? 0);
}

/** Margin between the last moment a holder starts its write and the end of its lease. */
const LEASE_MARGIN_MS = 1000;

/**
 * The time after its claim within which a request must start its write: what remains of the
 * lease once the longest write and a margin are set aside. A holder that starts later gives up,
 * so no holder is still writing when its lease ends and a retry takes the key over.
 */
export function leaseWriteWindowMs(v: KeyValues): number {
  return v.IDEMPOTENCY_LEASE_SECONDS * 1000 - longestWriteMs(v) - LEASE_MARGIN_MS;
}

/** The lease must outlast the longest write (plus a margin) and cannot outlive the key. */
export function checkLease(v: Loose<LeaseKeys>, problems: string[]): void {
  const lease = v.IDEMPOTENCY_LEASE_SECONDS;
  if (lease === undefined) return;
  const needed = Math.ceil((longestWriteMs(v) + LEASE_MARGIN_MS * 2) / 1000);
  if (lease < needed) {
    const timeouts = v.ORACLE_CONNECT_STRING?.trim()
      ? 'ORACLE_QUEUE_TIMEOUT_MS + ORACLE_CALL_TIMEOUT_MS'
      : 'DB_CONNECT_TIMEOUT_MS + DB_STATEMENT_TIMEOUT_MS';
    problems.push(`IDEMPOTENCY_LEASE_SECONDS: ${lease} is shorter than ${timeouts} plus 2 s (${needed} s)`);
  }
  if (v.IDEMPOTENCY_TTL_SECONDS !== undefined && lease > v.IDEMPOTENCY_TTL_SECONDS) {
    problems.push('IDEMPOTENCY_LEASE_SECONDS: longer than IDEMPOTENCY_TTL_SECONDS');
  }
}
