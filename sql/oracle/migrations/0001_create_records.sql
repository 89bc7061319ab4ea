-- Records: one JSON object per row, owned by one user. Needs Oracle Database 23ai (the JSON type
-- came in 21c; the JSON (OBJECT) modifier and the runner's CREATE TABLE IF NOT EXISTS in 23ai).
-- docs/oracle.md, "Evidence", cites the documentation of every construct used here.
--
-- Statements end with a line holding only "/". Oracle DDL commits as it goes, so the runner
-- records each finished statement and resumes a failed migration at the statement that failed.
--
-- id          RAW(16): the UUID's 16 bytes; byte order is PostgreSQL's uuid order.
-- user_id     never empty: Oracle stores '' as NULL, which NOT NULL refuses.
-- payload     native JSON (OSON), an object by the JSON (OBJECT) modifier (ORA-42700 otherwise);
--             numbers stay Oracle NUMBERs, read back exactly.
-- created_at  TIMESTAMP(3) WITH TIME ZONE: milliseconds, the precision of the API and cursors.
-- created_utc the partition key: Oracle cannot partition on a WITH TIME ZONE column (ORA-03001),
--             so a virtual column holds the same instant as a plain UTC TIMESTAMP. Instants order
--             alike in both, so the list orders and bounds on created_utc, which prunes.
CREATE TABLE records (
  id          RAW(16)                      NOT NULL,
  user_id     VARCHAR2(128 BYTE)           NOT NULL,
  payload     JSON (OBJECT)                NOT NULL,
  created_at  TIMESTAMP(3) WITH TIME ZONE  NOT NULL,
  updated_at  TIMESTAMP(3) WITH TIME ZONE  NOT NULL,
  version     NUMBER(10)   DEFAULT 1       NOT NULL,
  created_utc TIMESTAMP(3) GENERATED ALWAYS AS (CAST(SYS_EXTRACT_UTC(created_at) AS TIMESTAMP(3))) VIRTUAL,
  CONSTRAINT records_pk PRIMARY KEY (id),
  CONSTRAINT records_version_positive CHECK (version >= 1),
  CONSTRAINT records_user_id_shape CHECK (REGEXP_LIKE(user_id, '^[A-Za-z0-9._@:-]{1,128}$'))
)
-- One partition per calendar month (UTC), created by the database on the first insert into it.
-- records_p0 is the range section below the intervals; retention never drops it (ORA-14758).
PARTITION BY RANGE (created_utc) INTERVAL (NUMTOYMINTERVAL(1, 'MONTH'))
(PARTITION records_p0 VALUES LESS THAN (TIMESTAMP '2025-01-01 00:00:00'))
/

-- The list: one user's records, newest first, keyset-paginated on (created_utc, id), read by a
-- descending range scan. LOCAL, so dropping an old month (retention) touches no other month's
-- index. (The primary key's index on id is global: it cannot be local without the partition key
-- in it; DROP PARTITION ... UPDATE INDEXES keeps it usable.) No Oracle Text index on payload:
-- Oracle refuses domain indexes on interval-partitioned tables (ORA-14762), and payload filters
-- are to use JSON_EXISTS, which needs none.
CREATE INDEX records_user_created_idx ON records (user_id, created_utc, id) LOCAL
/
