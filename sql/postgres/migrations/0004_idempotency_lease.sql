-- The lease of an Idempotency-Key in flight (docs/security.md#idempotent-writes): the claim's
-- random token, which completing or releasing the key must name, and when a retry of the same
-- request may take the key over. Keys claimed before this column existed have neither; the
-- claim statement gives them a lease of one minute from their claim.
ALTER TABLE idempotency_keys
  ADD COLUMN lease_token uuid,
  ADD COLUMN lease_until timestamptz(3);
