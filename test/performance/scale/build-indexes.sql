-- LOAD_INDEXES=defer, after the load: builds the keys and indexes saved by drop-indexes.sql,
-- each by one sort of its partition (with parallel workers), and forgets the definitions. One
-- statement per transaction; one that exists already (a build interrupted half-way) is skipped.
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = 2;
SELECT format($f$DO $b$ BEGIN EXECUTE %L; EXCEPTION WHEN duplicate_table OR invalid_table_definition THEN NULL; END $b$$f$, statement)
FROM bench_scale.deferred_indexes ORDER BY ord, statement \gexec
DELETE FROM bench_scale.deferred_indexes;
