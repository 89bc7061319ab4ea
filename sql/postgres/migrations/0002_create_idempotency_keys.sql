-- Idempotency keys (IETF httpapi Idempotency-Key): one row per caller and key, holding the
-- fingerprint of the first request and, once it completed, the response to replay.
CREATE TABLE idempotency_keys (
  subject      varchar(256) NOT NULL,
  key          varchar(255) NOT NULL,
  fingerprint  char(64)     NOT NULL,
  state        varchar(16)  NOT NULL,
  status       integer,
  headers      jsonb,
  body         bytea,
  created_at   timestamptz  NOT NULL,
  expires_at   timestamptz  NOT NULL,
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (subject, key),
  CONSTRAINT idempotency_keys_state CHECK (state IN ('in-flight', 'done'))
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
