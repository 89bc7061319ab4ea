/**
 * Durable idempotency keys in the database (not only in Redis): a key is claimed atomically by
 * the first request with a lease, completed with its response, released when that request
 * failed, or taken over by a retry once the lease ran out.
 * IdempotencyStore is what src/services/idempotency.ts needs; PostgresIdempotencyStore (PostgreSQL
 * and PGlite) and OracleIdempotencyStore (src/data/oracle/) implement it with statements of the
 * same names (IDEMPOTENCY_STATEMENTS).
 */
import type { Claim, IdempotencyStore, KeyState, StoredResponse } from '../domain/idempotency.js';
import type { Database } from './database.js';
import type { SqlCatalog, Statement } from './sql-catalog.js';

export const IDEMPOTENCY_STATEMENTS = [
  'claimIdempotencyKey',
  'findIdempotencyKey',
  'completeIdempotencyKey',
  'releaseIdempotencyKey',
  'purgeIdempotencyKeys',
] as const;

export type IdempotencyStatementName = (typeof IDEMPOTENCY_STATEMENTS)[number];
type Name = IdempotencyStatementName;

/** A key's row as both stores read it (column names lower case). */
export interface KeyRow {
  fingerprint: string;
  state: 'in-flight' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  body: Uint8Array | null;
  /** Whole seconds until the lease of a key in flight runs out. */
  lease_left: number | null;
}

/** What a row that holds the key tells the caller. */
export function heldState(row: KeyRow): KeyState {
  if (row.state === 'in-flight') {
    return { state: 'in-flight', fingerprint: row.fingerprint, leaseSecondsLeft: row.lease_left ?? 1 };
  }
  return {
    state: 'done',
    fingerprint: row.fingerprint,
    response: { status: row.status ?? 500, headers: row.headers ?? {}, body: Buffer.from(row.body ?? []) },
  };
}

export class PostgresIdempotencyStore implements IdempotencyStore {
  private readonly sql: Record<Name, Statement>;

  constructor(
    private readonly db: Database,
    catalog: SqlCatalog,
  ) {
    this.sql = Object.fromEntries(IDEMPOTENCY_STATEMENTS.map((n) => [n, catalog.get(n)])) as Record<Name, Statement>;
  }

  async claim(claim: Claim, ttlSeconds: number, leaseSeconds: number): Promise<KeyState> {
    // Two rounds at most: a key that expires between the two statements is claimed on the second.
    for (let round = 0; round < 2; round++) {
      const claimed = await this.db.query(this.sql.claimIdempotencyKey, {
        subject: claim.subject,
        key: claim.key,
        fingerprint: claim.fingerprint,
        token: claim.token,
        ttl_seconds: ttlSeconds,
        lease_seconds: leaseSeconds,
      });
      if (claimed.length > 0) return { state: 'claimed' };
      const [row] = await this.db.query<KeyRow>(this.sql.findIdempotencyKey, {
        subject: claim.subject,
        key: claim.key,
      });
      if (row) return heldState(row);
    }
    // Taken and gone twice in a row: busy, as far as this request can tell.
    return { state: 'in-flight', fingerprint: claim.fingerprint, leaseSecondsLeft: 1 };
  }

  async complete(claim: Claim, response: StoredResponse): Promise<void> {
    await this.db.query(this.sql.completeIdempotencyKey, {
      subject: claim.subject,
      key: claim.key,
      token: claim.token,
      status: response.status,
      headers: JSON.stringify(response.headers),
      body: response.body,
    });
  }

  async release(claim: Claim): Promise<void> {
    await this.db.query(this.sql.releaseIdempotencyKey, {
      subject: claim.subject,
      key: claim.key,
      token: claim.token,
    });
  }

  async purgeExpired(): Promise<void> {
    await this.db.query(this.sql.purgeIdempotencyKeys);
  }
}
