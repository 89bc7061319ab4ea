-- Idempotency keys (IETF httpapi Idempotency-Key), as sql/postgres/migrations/0002: one row per
-- caller and key, holding the fingerprint of the first request and, once it completed, the
-- response to replay. Needs Oracle Database 23ai (the JSON type came in 21c).
--
-- Statements end with a line holding only "/" (see 0001_create_records.sql).
--
-- subject      "<via>:<sub>" of the caller, never empty; 256 characters, as PostgreSQL's varchar(256).
-- key          the Idempotency-Key header: 1 to 255 visible ASCII characters, so never empty.
-- fingerprint  hex SHA-256 of the operation and the parsed body (64 characters).
-- headers      the response headers to replay, a JSON object of strings (native JSON, OSON).
-- body         the response body bytes. BLOB, not RAW: a bulk answer passes RAW's 32,767 bytes.
-- created_at,  TIMESTAMP(3) WITH TIME ZONE, set and compared with SYSTIMESTAMP only: the session
-- expires_at   and database time zones play no part.
CREATE TABLE idempotency_keys (
  subject      VARCHAR2(256 CHAR)           NOT NULL,
  key          VARCHAR2(255 BYTE)           NOT NULL,
  fingerprint  VARCHAR2(64 BYTE)            NOT NULL,
  state        VARCHAR2(16 BYTE)            NOT NULL,
  status       NUMBER(3),
  headers      JSON,
  body         BLOB,
  created_at   TIMESTAMP(3) WITH TIME ZONE  NOT NULL,
  expires_at   TIMESTAMP(3) WITH TIME ZONE  NOT NULL,
  CONSTRAINT idempotency_keys_pk PRIMARY KEY (subject, key),
  CONSTRAINT idempotency_keys_state CHECK (state IN ('in-flight', 'done'))
)
/

-- The purge: DELETE ... WHERE expires_at <= SYSTIMESTAMP.
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)
/
