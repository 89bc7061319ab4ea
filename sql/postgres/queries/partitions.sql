-- Named statements for the partition maintenance of records (src/data/partitions.ts,
-- docs/partitioning.md). The DDL is run as scripts whose {{slots}} are filled with partition
-- names the code made and checked, and month bounds (a name cannot be a bind parameter).

/* @name listRecordPartitions */
-- One row per partition of records, or one row with a NULL name when records has none; kind is
-- 'p' when records is partitioned, 'r' while migration 0003 is not applied, NULL without a table.
-- Bounds are read back from the partition's bound text and cast to timestamptz (NULL: MINVALUE /
-- MAXVALUE); is_default marks a DEFAULT partition.
SELECT t.relkind::text AS kind,
       c.relname::text AS name,
       CASE WHEN b.v[1] LIKE '''%' THEN btrim(b.v[1], '''')::timestamptz END AS range_from,
       CASE WHEN b.v[2] LIKE '''%' THEN btrim(b.v[2], '''')::timestamptz END AS range_to,
       coalesce(pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', false) AS is_default
FROM (SELECT to_regclass('records') AS oid) r
LEFT JOIN pg_class t ON t.oid = r.oid
LEFT JOIN pg_inherits i ON i.inhparent = r.oid
LEFT JOIN pg_class c ON c.oid = i.inhrelid
LEFT JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \((.+)\) TO \((.+)\)') AS b (v) ON true
ORDER BY range_from NULLS FIRST, name;

/* @name partitionMaintenanceLock */
-- Held until the maintenance transaction ends; instances that run it together take turns.
SELECT pg_advisory_xact_lock(7271530413) AS locked;

/* @name partitionLockTimeout */
-- A maintenance transaction waits this long (ms) for a lock, then gives up until the next run.
SET LOCAL lock_timeout = 5000;

/* @name createRecordPartition */
-- The primary key (id) is per partition (migration 0003 says why). Made as a plain table, then
-- attached: ATTACH takes SHARE UPDATE EXCLUSIVE on records, which reads and writes go on under,
-- where CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE.
CREATE TABLE {{partition}} (
  LIKE records INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  CONSTRAINT {{partition}}_pkey PRIMARY KEY (id));
ALTER TABLE records ATTACH PARTITION {{partition}}
  FOR VALUES FROM ('{{range_from}}') TO ('{{range_to}}');

/* @name dropRecordPartition */
ALTER TABLE records DETACH PARTITION {{partition}}; DROP TABLE {{partition}};
