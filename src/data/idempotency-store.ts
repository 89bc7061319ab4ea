/**
 * Durable idempotency keys in the database (not only in Redis): a key is claimed atomically by
 * the first request, completed with its response, or released when that request failed.
 * IdempotencyStore is what src/api/idempotency.ts needs; PostgresIdempotencyStore (PostgreSQL
 * and PGlite) and OracleIdempotencyStore (src/data/oracle/) implement it with statements of the
 * same names (IDEMPOTENCY_STATEMENTS).
 */
import type { IdempotencyStore, KeyState, StoredResponse } from '../domain/idempotency.js';
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
}

/** What a row that holds the key tells the caller. */
export function heldState(row: KeyRow): KeyState {
  if (row.state === 'in-flight') return { state: 'in-flight', fingerprint: row.fingerprint };
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

  async claim(subject: string, key: string, fingerprint: string, ttlSeconds: number): Promise<KeyState> {
    // Two rounds at most: a key that expires between the two statements is claimed on the second.
    for (let round = 0; round < 2; round++) {
      const claimed = await this.db.query(this.sql.claimIdempotencyKey, {
        subject,
        key,
        fingerprint,
        ttl_seconds: ttlSeconds,
      });
      if (claimed.length > 0) return { state: 'claimed' };
      const [row] = await this.db.query<KeyRow>(this.sql.findIdempotencyKey, { subject, key });
      if (row) return heldState(row);
    }
    return { state: 'in-flight', fingerprint: '' };
  }

  async complete(subject: string, key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    await this.db.query(this.sql.completeIdempotencyKey, {
      subject,
      key,
      fingerprint,
      status: response.status,
      headers: JSON.stringify(response.headers),
      body: response.body,
    });
  }

  async release(subject: string, key: string, fingerprint: string): Promise<void> {
    await this.db.query(this.sql.releaseIdempotencyKey, { subject, key, fingerprint });
  }

  async purgeExpired(): Promise<void> {
    await this.db.query(this.sql.purgeIdempotencyKeys);
  }
}
