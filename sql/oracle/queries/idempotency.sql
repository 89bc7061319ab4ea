-- Named statements of the Oracle idempotency store (src/data/oracle/oracle-idempotency-store.ts),
-- the same names and effects as sql/postgres/queries/idempotency.sql. Bind variables only; the
-- key is bound as :idem_key. Every write is sent with autoCommit, so each is one transaction, as
-- each PostgreSQL statement is under autocommit.

/* @name claimIdempotencyKey */
-- Claims the key for this request in one round trip; :claimed is 1 when this call holds it now,
-- 0 when the key is taken. PostgreSQL's INSERT ... ON CONFLICT DO UPDATE WHERE, spelled for
-- Oracle:
-- - the INSERT wins for a new key. A concurrent INSERT of the same key waits on the primary key
--   entry until the first commits, then fails with ORA-00001 (DUP_VAL_ON_INDEX): one winner;
-- - on ORA-00001 the UPDATE takes the row over when it has expired, or when it is still in
--   flight with the same fingerprint and its lease has run out (the holder died; rows from
--   before leases existed count as leased for a minute from their claim). Two callers taking
--   one row over: the second waits on the row lock, and when the first commits, Oracle restarts
--   its UPDATE (write consistency), re-reads the row, and updates nothing.
-- Repeated bind names are one bind in PL/SQL.
BEGIN
  INSERT INTO idempotency_keys (subject, key, fingerprint, state, created_at, expires_at, lease_token, lease_until)
  VALUES (:subject, :idem_key, :fingerprint, 'in-flight', SYSTIMESTAMP,
          SYSTIMESTAMP + NUMTODSINTERVAL(:ttl_seconds, 'SECOND'), :token,
          SYSTIMESTAMP + NUMTODSINTERVAL(:lease_seconds, 'SECOND'));
  :claimed := 1;
EXCEPTION
  WHEN DUP_VAL_ON_INDEX THEN
    UPDATE idempotency_keys
    SET fingerprint = :fingerprint, state = 'in-flight', status = NULL, headers = NULL, body = NULL,
        created_at = SYSTIMESTAMP, expires_at = SYSTIMESTAMP + NUMTODSINTERVAL(:ttl_seconds, 'SECOND'),
        lease_token = :token, lease_until = SYSTIMESTAMP + NUMTODSINTERVAL(:lease_seconds, 'SECOND')
    WHERE subject = :subject AND key = :idem_key
      AND (expires_at <= SYSTIMESTAMP
           OR (state = 'in-flight' AND fingerprint = :fingerprint
               AND NVL(lease_until, created_at + INTERVAL '1' MINUTE) <= SYSTIMESTAMP));
    :claimed := SQL%ROWCOUNT;
END;

/* @name findIdempotencyKey */
-- BODY is fetched as bytes (fetchInfo), not as a LOB locator. LEASE_LEFT: whole seconds until a
-- retry may take an in-flight key over (its Retry-After); a DATE difference is in days.
SELECT fingerprint, state, status, headers, body,
       GREATEST(0, CEIL((CAST(NVL(lease_until, created_at + INTERVAL '1' MINUTE) AS DATE)
                         - CAST(SYSTIMESTAMP AS DATE)) * 86400)) AS lease_left
FROM idempotency_keys
WHERE subject = :subject AND key = :idem_key AND expires_at > SYSTIMESTAMP;

/* @name completeIdempotencyKey */
-- Only the claim that holds the key stores its response: a holder whose lease was taken over
-- changes nothing.
UPDATE idempotency_keys
SET state = 'done', status = :status, headers = :headers, body = :body
WHERE subject = :subject AND key = :idem_key AND lease_token = :token AND state = 'in-flight';

/* @name releaseIdempotencyKey */
-- The first request failed: the key is free again, so the client can retry.
DELETE FROM idempotency_keys
WHERE subject = :subject AND key = :idem_key AND lease_token = :token AND state = 'in-flight';

/* @name purgeIdempotencyKeys */
-- At most 10,000 rows a call, so a large backlog never outlasts the call timeout; the purge runs
-- again every hundred keyed requests.
DELETE FROM idempotency_keys WHERE expires_at <= SYSTIMESTAMP AND ROWNUM <= 10000;
