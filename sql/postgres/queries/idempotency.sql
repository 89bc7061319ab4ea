-- Named statements of the idempotency store.

/* @name claimIdempotencyKey */
-- Claims the key for this request; returns nothing when the key is taken (and not expired).
INSERT INTO idempotency_keys (subject, key, fingerprint, state, created_at, expires_at)
VALUES (:subject, :key, :fingerprint, 'in-flight', now(), now() + make_interval(secs => :ttl_seconds::integer))
ON CONFLICT (subject, key) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, state = 'in-flight', status = NULL, headers = NULL, body = NULL,
      created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
  WHERE idempotency_keys.expires_at <= now()
RETURNING key;

/* @name findIdempotencyKey */
SELECT fingerprint, state, status, headers, body
FROM idempotency_keys
WHERE subject = :subject AND key = :key AND expires_at > now();

/* @name completeIdempotencyKey */
UPDATE idempotency_keys
SET state = 'done', status = :status::integer, headers = :headers::jsonb, body = :body::bytea
WHERE subject = :subject AND key = :key AND fingerprint = :fingerprint;

/* @name releaseIdempotencyKey */
-- The first request failed: the key is free again, so the client can retry.
DELETE FROM idempotency_keys
WHERE subject = :subject AND key = :key AND fingerprint = :fingerprint AND state = 'in-flight';

/* @name purgeIdempotencyKeys */
DELETE FROM idempotency_keys WHERE expires_at <= now();
