/**
 * Idempotency keys on Oracle Database: the statements of sql/oracle/queries/idempotency.sql, with
 * the semantics of PostgresIdempotencyStore. A claim is one PL/SQL call (INSERT, or on ORA-00001
 * take over an expired row) committed in the same round trip, so concurrent claims of one key
 * end with exactly one winner; every other write also commits as it runs.
 */
import { heldState, IDEMPOTENCY_STATEMENTS, type IdempotencyStatementName } from '../idempotency-store.js';
import { type IdempotencyStore, type KeyState, type StoredResponse } from '../../domain/idempotency.js';
import type { OracleDatabase } from './oracle-database.js';
import {
  claimBinds,
  completeBinds,
  findOptions,
  keyBinds,
  releaseBinds,
  rowToKeyRow,
  wasClaimed,
  type OracleKeyRow,
} from './oracle-idempotency-binds.js';
import type { OracleSqlCatalog, OracleStatement } from './oracle-sql.js';

const COMMIT = { autoCommit: true };

export class OracleIdempotencyStore implements IdempotencyStore {
  private readonly sql: Record<IdempotencyStatementName, OracleStatement>;

  constructor(
    private readonly db: OracleDatabase,
    catalog: OracleSqlCatalog,
  ) {
    this.sql = Object.fromEntries(IDEMPOTENCY_STATEMENTS.map((n) => [n, catalog.get(n)])) as Record<
      IdempotencyStatementName,
      OracleStatement
    >;
  }

  async claim(subject: string, key: string, fingerprint: string, ttlSeconds: number): Promise<KeyState> {
    return this.db.withConnection(async (_conn, exec) => {
      // Two rounds at most, as on PostgreSQL: a key that expires (or is purged or released)
      // between the two statements is claimed on the second.
      for (let round = 0; round < 2; round++) {
        const claimed = await exec.execute(
          this.sql.claimIdempotencyKey,
          claimBinds(subject, key, fingerprint, ttlSeconds),
          COMMIT,
        );
        if (wasClaimed(claimed.outBinds)) return { state: 'claimed' };
        const found = await exec.execute<OracleKeyRow>(
          this.sql.findIdempotencyKey,
          keyBinds(subject, key),
          findOptions(),
        );
        const row = found.rows?.[0];
        if (row) return heldState(rowToKeyRow(row));
      }
      return { state: 'in-flight', fingerprint: '' };
    });
  }

  async complete(subject: string, key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    await this.db.execute(
      this.sql.completeIdempotencyKey,
      completeBinds(subject, key, fingerprint, response),
      COMMIT,
    );
  }

  async release(subject: string, key: string, fingerprint: string): Promise<void> {
    await this.db.execute(this.sql.releaseIdempotencyKey, releaseBinds(subject, key, fingerprint), COMMIT);
  }

  async purgeExpired(): Promise<void> {
    await this.db.execute(this.sql.purgeIdempotencyKeys, {}, COMMIT);
  }
}
