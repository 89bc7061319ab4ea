-- Named statements for the partition maintenance of records (src/data/partitions.ts,
-- docs/partitioning.md). The DDL itself is built in code from validated names and month bounds.

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
