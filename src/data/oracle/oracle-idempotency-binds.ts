/**
 * The pure half of the Oracle idempotency store: the bind objects of each statement of
 * sql/oracle/queries/idempotency.sql and the mapping of what comes back. Nothing here talks to
 * a database, so unit tests pin it without an Oracle server.
 */
import type { KeyRow } from '../idempotency-store.js';
import type { Claim, StoredResponse } from '../../domain/idempotency.js';
import { oracledb, type OracleBinds, type OracleExecuteOptions } from './oracle-database.js';

/** A row of findIdempotencyKey as node-oracledb returns it with OUT_FORMAT_OBJECT. */
export interface OracleKeyRow {
  FINGERPRINT: string;
  STATE: string;
  STATUS: number | null;
  HEADERS: unknown;
  BODY: Buffer | null;
  LEASE_LEFT: number | null;
}

const varchar = (val: string) => ({ type: oracledb().DB_TYPE_VARCHAR, val });
const number = (val: number) => ({ type: oracledb().DB_TYPE_NUMBER, val });

/** subject and key: the primary key, bound by every statement but the purge. */
export function keyBinds(subject: string, key: string): OracleBinds {
  return { subject: varchar(subject), idem_key: varchar(key) };
}

export function claimBinds(claim: Claim, ttlSeconds: number, leaseSeconds: number): OracleBinds {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error(`bad idempotency TTL: ${ttlSeconds}`);
  if (!Number.isInteger(leaseSeconds) || leaseSeconds <= 0) throw new Error(`bad idempotency lease: ${leaseSeconds}`);
  return {
    ...keyBinds(claim.subject, claim.key),
    fingerprint: varchar(claim.fingerprint),
    token: varchar(claim.token),
    ttl_seconds: number(ttlSeconds),
    lease_seconds: number(leaseSeconds),
    claimed: { dir: oracledb().BIND_OUT, type: oracledb().DB_TYPE_NUMBER },
  };
}

/** True when the claim block took the key (its :claimed OUT bind is 1; a PL/SQL OUT bind is a scalar). */
export function wasClaimed(outBinds: Record<string, unknown> | undefined): boolean {
  const claimed = outBinds?.claimed;
  if (typeof claimed !== 'number') throw new Error('claimIdempotencyKey returned no :claimed');
  return claimed === 1;
}

/** The key's row in one round trip, the body as bytes rather than a LOB locator to read apart. */
export function findOptions(): OracleExecuteOptions {
  return { fetchArraySize: 1, fetchInfo: { BODY: { type: oracledb().DB_TYPE_RAW } } };
}

/**
 * The response to store: headers as a JSON object (the column's native JSON type), the body as
 * the Buffer itself (DB_TYPE_RAW, node-oracledb's BUFFER) into the BLOB column. In a SQL
 * statement node-oracledb sends it inline, up to 1 GB and without a temporary LOB (bound as
 * DB_TYPE_BLOB it would create and write one for every response); an empty body arrives as
 * NULL and reads back empty.
 */
export function completeBinds(claim: Claim, response: StoredResponse): OracleBinds {
  return {
    ...keyBinds(claim.subject, claim.key),
    token: varchar(claim.token),
    status: number(response.status),
    headers: { type: oracledb().DB_TYPE_JSON, val: { ...response.headers } },
    body: { type: oracledb().DB_TYPE_RAW, val: response.body },
  };
}

/** Release names the claim's token: a holder whose lease was taken over frees nothing. */
export function releaseBinds(claim: Claim): OracleBinds {
  return { ...keyBinds(claim.subject, claim.key), token: varchar(claim.token) };
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !Buffer.isBuffer(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  );
}

/** Maps a fetched row; a row of another shape means the schema and the code disagree. */
export function rowToKeyRow(row: OracleKeyRow): KeyRow {
  if (row.STATE !== 'in-flight' && row.STATE !== 'done') {
    throw new Error(`idempotency_keys.state is ${JSON.stringify(row.STATE)}`);
  }
  if (row.HEADERS !== null && !isStringRecord(row.HEADERS)) {
    throw new Error('idempotency_keys.headers did not arrive as a JSON object of strings');
  }
  if (row.BODY !== null && !Buffer.isBuffer(row.BODY)) {
    throw new Error('idempotency_keys.body did not arrive as bytes (is fetchInfo BODY set to DB_TYPE_RAW?)');
  }
  return {
    fingerprint: row.FINGERPRINT,
    state: row.STATE,
    status: row.STATUS,
    headers: row.HEADERS,
    body: row.BODY,
    lease_left: row.LEASE_LEFT,
  };
}
