-- With a partitioned records table (migration 0003, monthly on created_at), every instant the
-- loader writes must have a partition. Each month of the range is probed with a throw-away row
-- in a subtransaction; a month that no partition (and no default partition) accepts gets one,
-- named like the service's own (records_pYYYYMM, src/data/partitions.ts), as if the table had been
-- partitioned for the whole range. (psql does not substitute variables inside $$ quotes: they
-- travel as settings.)
SET TimeZone = 'UTC';
SELECT set_config('bench.t0', :'t0', false), set_config('bench.days', :'days', false);
DO $$
DECLARE
  m timestamptz;
  probe timestamptz;
  name text;
  pk text;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = 'records'::regclass) <> 'p' THEN
    RETURN;
  END IF;
  -- A primary key that the partitions hold and records does not (0003 keys each partition on id)
  -- is given to the partitions made here too.
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) INTO pk
  FROM (SELECT c.conrelid, c.conkey FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid
        WHERE i.inhparent = 'records'::regclass AND c.contype = 'p' AND c.conparentid = 0 LIMIT 1) AS c
  CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum;
  FOR m IN SELECT generate_series(date_trunc('month', to_timestamp(current_setting('bench.t0')::bigint / 1000.0)
                                                    - make_interval(days => current_setting('bench.days')::int)),
                                  date_trunc('month', to_timestamp(current_setting('bench.t0')::bigint / 1000.0)),
                                  interval '1 month')
  LOOP
    FOREACH probe IN ARRAY ARRAY[m, m + interval '1 month' - interval '1 millisecond'] LOOP
      BEGIN
        INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
        VALUES (gen_random_uuid(), 'bench-probe', '{}', probe, probe, 1);
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'bench-probe-rollback';
      EXCEPTION
        WHEN check_violation THEN
          name := 'records_p' || to_char(m AT TIME ZONE 'UTC', 'YYYYMM');
          EXECUTE format('CREATE TABLE %I PARTITION OF records %s FOR VALUES FROM (%L) TO (%L)', name,
                         CASE WHEN pk IS NULL THEN ''
                              ELSE format('(CONSTRAINT %I PRIMARY KEY (%s))', name || '_pkey', pk) END,
                         m, m + interval '1 month');
          RAISE NOTICE 'created partition for %', m;
        WHEN raise_exception THEN
          NULL;
      END;
    END LOOP;
  END LOOP;
END $$;
