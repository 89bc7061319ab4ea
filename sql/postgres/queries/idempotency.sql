-- Named statements of the idempotency store.

/* @name claimIdempotencyKey */
-- Claims the key for this request; returns nothing when the key is taken. A row is taken over
-- when it has expired, or when it is still in flight with the same fingerprint but its lease has
-- run out (the holder died; docs/security.md). Rows from before leases existed count as leased for
-- a minute from their claim. The lease is measured from clock_timestamp(), the time the row is
-- written, not from the start of the statement (which may have waited for a concurrent claim).
INSERT INTO idempotency_keys (subject, key, fingerprint, state, created_at, expires_at, lease_token, lease_until)
VALUES (:subject, :key, :fingerprint, 'in-flight', now(), now() + make_interval(secs => :ttl_seconds::integer),
        :token::uuid, clock_timestamp() + make_interval(secs => :lease_seconds::integer))
ON CONFLICT (subject, key) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, state = 'in-flight', status = NULL, headers = NULL, body = NULL,
      created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
      lease_token = EXCLUDED.lease_token,
      lease_until = clock_timestamp() + make_interval(secs => :lease_seconds::integer)
  WHERE idempotency_keys.expires_at <= now()
     OR (idempotency_keys.state = 'in-flight'
         AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
         AND coalesce(idempotency_keys.lease_until, idempotency_keys.created_at + interval '1 minute')
             <= clock_timestamp())
RETURNING key;

/* @name findIdempotencyKey */
-- lease_left: whole seconds until a retry may take an in-flight key over (its Retry-After).
SELECT fingerprint, state, status, headers, body,
       greatest(0, ceil(extract(epoch FROM
         coalesce(lease_until, created_at + interval '1 minute') - clock_timestamp())))::integer AS lease_left
FROM idempotency_keys
WHERE subject = :subject AND key = :key AND expires_at > now();

/* @name completeIdempotencyKey */
-- Only the claim that holds the key stores its response: a holder whose lease was taken over
-- changes nothing.
UPDATE idempotency_keys
SET state = 'done', status = :status::integer, headers = :headers::jsonb, body = :body::bytea
WHERE subject = :subject AND key = :key AND lease_token = :token::uuid AND state = 'in-flight';

/* @name releaseIdempotencyKey */
-- The first request failed: the key is free again, so the client can retry.
DELETE FROM idempotency_keys
WHERE subject = :subject AND key = :key AND lease_token = :token::uuid AND state = 'in-flight';

/* @name purgeIdempotencyKeys */
DELETE FROM idempotency_keys WHERE expires_at <= now();
