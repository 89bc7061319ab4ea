-- The lease of an Idempotency-Key in flight, as sql/postgres/migrations/0004: the claim's random
-- token (a UUID as text), which completing or releasing the key must name, and when a retry of
-- the same request may take the key over. Keys claimed before these columns existed have
-- neither; the claim block gives them a lease of one minute from their claim.
--
-- Statements end with a line holding only "/" (see 0001_create_records.sql).
ALTER TABLE idempotency_keys ADD (
  lease_token  VARCHAR2(36 BYTE),
  lease_until  TIMESTAMP(3) WITH TIME ZONE
)
/
