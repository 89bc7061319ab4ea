-- Records: one JSON object per row, owned by one user. Needs Oracle Database 23ai (the JSON type
-- came in 21c; the migration runner's CREATE TABLE IF NOT EXISTS in 23ai).
--
-- Statements end with a line holding only "/". Oracle DDL commits as it goes, so the runner
-- records each finished statement and resumes a failed migration at the statement that failed.
--
-- id          RAW(16): the UUID's 16 bytes; byte order is PostgreSQL's uuid order.
-- user_id     never empty: Oracle stores '' as NULL, which NOT NULL refuses.
-- payload     native JSON (OSON): numbers stay Oracle NUMBERs, read back exactly.
-- created_at  TIMESTAMP(3) WITH TIME ZONE: milliseconds, the precision of the API and cursors.
-- created_utc the partition key: Oracle cannot partition on a WITH TIME ZONE column (ORA-03001),
--             so a virtual column holds the same instant as a plain UTC TIMESTAMP.
CREATE TABLE records (
  id          RAW(16)                      NOT NULL,
  user_id     VARCHAR2(128 BYTE)           NOT NULL,
  payload     JSON                         NOT NULL,
  created_at  TIMESTAMP(3) WITH TIME ZONE  NOT NULL,
  updated_at  TIMESTAMP(3) WITH TIME ZONE  NOT NULL,
  version     NUMBER(10)   DEFAULT 1       NOT NULL,
  created_utc TIMESTAMP(3) GENERATED ALWAYS AS (CAST(SYS_EXTRACT_UTC(created_at) AS TIMESTAMP(3))) VIRTUAL,
  CONSTRAINT records_pk PRIMARY KEY (id),
  CONSTRAINT records_payload_is_object CHECK (JSON_VALUE(payload, '$.type()') = 'object'),
  CONSTRAINT records_version_positive CHECK (version >= 1),
  CONSTRAINT records_user_id_shape CHECK (REGEXP_LIKE(user_id, '^[A-Za-z0-9._@:-]{1,128}$'))
)
-- One partition per calendar month (UTC), created by the database on the first insert into it.
PARTITION BY RANGE (created_utc) INTERVAL (NUMTOYMINTERVAL(1, 'MONTH'))
(PARTITION records_p0 VALUES LESS THAN (TIMESTAMP '2025-01-01 00:00:00'))
/

-- The list: one user's records, newest first, keyset-paginated on (created_at, id). LOCAL, so
-- dropping an old month touches no other partition's index. (The primary key's index on id is
-- global: it cannot be local without the partition key in it.)
CREATE INDEX records_user_created_idx ON records (user_id, created_at DESC, id DESC) LOCAL
/

-- Ready for payload filters (JSON_EXISTS, JSON_TEXTCONTAINS, dot notation); no query uses it yet.
CREATE SEARCH INDEX records_payload_search_idx ON records (payload) FOR JSON
/
