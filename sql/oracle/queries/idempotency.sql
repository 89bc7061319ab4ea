-- Named statements of the Oracle idempotency store (src/data/oracle/oracle-idempotency-store.ts),
-- the same names and effects as sql/postgres/queries/idempotency.sql. Bind variables only; the
-- key is bound as :idem_key. Every write is sent with autoCommit, so each is one transaction, as
-- each PostgreSQL statement is under autocommit.

/* @name claimIdempotencyKey */
-- Claims the key for this request in one round trip; :claimed is 1 when this call holds it now,
-- 0 when the key is taken and has not expired. PostgreSQL's INSERT ... ON CONFLICT DO UPDATE
-- WHERE, spelled for Oracle:
-- - the INSERT wins for a new key. A concurrent INSERT of the same key waits on the primary key
--   entry until the first commits, then fails with ORA-00001 (DUP_VAL_ON_INDEX): one winner;
-- - on ORA-00001 the UPDATE takes the row over only when it has expired. Two callers reclaiming
--   one expired row: the second waits on the row lock, and when the first commits, Oracle
--   restarts its UPDATE (write consistency), re-reads expires_at, and updates nothing.
-- Repeated bind names are one bind in PL/SQL.
BEGIN
  INSERT INTO idempotency_keys (subject, key, fingerprint, state, created_at, expires_at)
  VALUES (:subject, :idem_key, :fingerprint, 'in-flight', SYSTIMESTAMP,
          SYSTIMESTAMP + NUMTODSINTERVAL(:ttl_seconds, 'SECOND'));
  :claimed := 1;
EXCEPTION
  WHEN DUP_VAL_ON_INDEX THEN
    UPDATE idempotency_keys
    SET fingerprint = :fingerprint, state = 'in-flight', status = NULL, headers = NULL, body = NULL,
        created_at = SYSTIMESTAMP, expires_at = SYSTIMESTAMP + NUMTODSINTERVAL(:ttl_seconds, 'SECOND')
    WHERE subject = :subject AND key = :idem_key AND expires_at <= SYSTIMESTAMP;
    :claimed := SQL%ROWCOUNT;
END;

/* @name findIdempotencyKey */
-- BODY is fetched as bytes (fetchInfo), not as a LOB locator.
SELECT fingerprint, state, status, headers, body
FROM idempotency_keys
WHERE subject = :subject AND key = :idem_key AND expires_at > SYSTIMESTAMP;

/* @name completeIdempotencyKey */
UPDATE idempotency_keys
SET state = 'done', status = :status, headers = :headers, body = :body
WHERE subject = :subject AND key = :idem_key AND fingerprint = :fingerprint;

/* @name releaseIdempotencyKey */
-- The first request failed: the key is free again, so the client can retry.
DELETE FROM idempotency_keys
WHERE subject = :subject AND key = :idem_key AND fingerprint = :fingerprint AND state = 'in-flight';

/* @name purgeIdempotencyKeys */
-- At most 10,000 rows a call, so a large backlog never outlasts the call timeout; the purge runs
-- again every hundred keyed requests.
DELETE FROM idempotency_keys WHERE expires_at <= SYSTIMESTAMP AND ROWNUM <= 10000;
