-- LOAD_INDEXES=defer: before a large load, the definitions of records' primary keys (one per
-- partition, migration 0003) and of its list index are saved in bench_scale.deferred_indexes,
-- then dropped, so the rows go into bare heaps; build-indexes.sql builds them again by sort.
-- Does nothing when definitions are already saved (a load that was interrupted).
BEGIN;
LOCK TABLE bench_scale.deferred_indexes;
DO $$
DECLARE
  r record;
BEGIN
  IF EXISTS (SELECT FROM bench_scale.deferred_indexes) THEN
    RETURN;
  END IF;
  INSERT INTO bench_scale.deferred_indexes (ord, statement)
  SELECT 1, format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
  FROM pg_constraint c
  JOIN pg_partition_tree('records') t ON t.relid = c.conrelid
  WHERE c.contype = 'p' AND c.conparentid = 0;
  -- ON ONLY would make the parent index alone, without its partitions' indexes.
  INSERT INTO bench_scale.deferred_indexes (ord, statement)
  SELECT 2, replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
  FROM pg_index i
  WHERE i.indrelid = 'records'::regclass AND NOT i.indisprimary;
  FOR r IN SELECT c.conrelid::regclass AS rel, c.conname
           FROM pg_constraint c JOIN pg_partition_tree('records') t ON t.relid = c.conrelid
           WHERE c.contype = 'p' AND c.conparentid = 0 LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname);
  END LOOP;
  FOR r IN SELECT i.indexrelid::regclass AS idx FROM pg_index i
           WHERE i.indrelid = 'records'::regclass AND NOT i.indisprimary LOOP
    EXECUTE format('DROP INDEX %s', r.idx);
  END LOOP;
END $$;
COMMIT;
