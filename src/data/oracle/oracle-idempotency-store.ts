/**
 * Idempotency keys on Oracle Database: the statements of sql/oracle/queries/idempotency.sql, with
 * the semantics of PostgresIdempotencyStore. A claim is one PL/SQL call (INSERT, or on ORA-00001
 * take over an expired row or one whose lease ran out) committed in the same round trip, so concurrent claims of one key
 * end with exactly one winner; every other write also commits as it runs.
 */
import { heldState, IDEMPOTENCY_STATEMENTS, type IdempotencyStatementName } from '../idempotency-store.js';
import type { Claim, IdempotencyStore, KeyState, StoredResponse } from '../../domain/idempotency.js';
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

  async claim(claim: Claim, ttlSeconds: number, leaseSeconds: number): Promise<KeyState> {
    return this.db.withConnection(async (_conn, exec) => {
      // Two rounds at most, as on PostgreSQL: a key that expires (or is purged or released)
      // between the two statements is claimed on the second.
      for (let round = 0; round < 2; round++) {
        const claimed = await exec.execute(
          this.sql.claimIdempotencyKey,
          claimBinds(claim, ttlSeconds, leaseSeconds),
          COMMIT,
        );
        if (wasClaimed(claimed.outBinds)) return { state: 'claimed' };
        const found = await exec.execute<OracleKeyRow>(
          this.sql.findIdempotencyKey,
          keyBinds(claim.subject, claim.key),
          findOptions(),
        );
        const row = found.rows?.[0];
        if (row) return heldState(rowToKeyRow(row));
      }
      // Taken and gone twice in a row: busy, as far as this request can tell.
      return { state: 'in-flight', fingerprint: claim.fingerprint, leaseSecondsLeft: 1 };
    });
  }

  async complete(claim: Claim, response: StoredResponse): Promise<void> {
    await this.db.execute(this.sql.completeIdempotencyKey, completeBinds(claim, response), COMMIT);
  }

  async release(claim: Claim): Promise<void> {
    await this.db.execute(this.sql.releaseIdempotencyKey, releaseBinds(claim), COMMIT);
  }

  async purgeExpired(): Promise<void> {
    await this.db.execute(this.sql.purgeIdempotencyKeys, {}, COMMIT);
  }
}
