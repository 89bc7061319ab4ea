-- Records partitioned by month on created_at (declarative range partitioning, docs/partitioning.md).
--
-- Rows are not copied. A table that holds rows becomes the partition for everything before the
-- start of next month (UTC), named records_before_YYYYMM, keeping its indexes (attached as they
-- are: nothing is rebuilt). An empty table is replaced by a partitioned one. Either way this month
-- (when empty) and the next 3 months get partitions, so instances still running the previous
-- release keep inserting until the service's partition maintenance takes over.
--
-- The primary key is (id) on each partition, not on records: a key on a partitioned table must
-- hold the partition key, and (id, created_at) would accept an existing id again at another
-- instant, where the API answers 409. Ids are UUIDv7, made from the clock, so a duplicate could
-- only meet its original in the same month's partition.
--
-- Big tables: this holds an ACCESS EXCLUSIVE lock on records for its transaction, and ATTACH reads
-- the whole table once to check the bound, unless a validated CHECK constraint implies it; that one
-- can be added beforehand without blocking writes (docs/partitioning.md, "Converting an existing table"):
--   ALTER TABLE records ADD CONSTRAINT records_created_before CHECK (created_at < '<bound>') NOT VALID;
--   ALTER TABLE records VALIDATE CONSTRAINT records_created_before;
DO $migration$
DECLARE
  this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
  bound timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
  legacy text := 'records_before_' || to_char(this_month + interval '1 month', 'YYYYMM');
  has_rows boolean;
  first_month integer;
  m timestamp;
BEGIN
  SELECT EXISTS (SELECT 1 FROM records) INTO has_rows;

  IF has_rows THEN
    EXECUTE format('ALTER TABLE records RENAME TO %I', legacy);
    EXECUTE format('ALTER INDEX records_user_created_idx RENAME TO %I', legacy || '_user_created_idx');
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT records_pkey TO %I', legacy, legacy || '_pkey');
    first_month := 1;
  ELSE
    DROP TABLE records;
    first_month := 0;
  END IF;

  CREATE TABLE records (
    id          uuid           NOT NULL,
    user_id     varchar(128)   NOT NULL,
    payload     jsonb          NOT NULL,
    created_at  timestamptz(3) NOT NULL,
    updated_at  timestamptz(3) NOT NULL,
    version     integer        NOT NULL DEFAULT 1,
    CONSTRAINT records_payload_is_object CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT records_version_positive CHECK (version >= 1),
    CONSTRAINT records_user_id_shape CHECK (user_id ~ '^[A-Za-z0-9._@:-]{1,128}$')
  ) PARTITION BY RANGE (created_at);
  CREATE INDEX records_user_created_idx ON records (user_id, created_at DESC, id DESC);

  IF has_rows THEN
    -- Finds the renamed list index and attaches it: no index is built here.
    EXECUTE format('ALTER TABLE records ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', legacy, bound);
  END IF;

  FOR i IN first_month..3 LOOP
    m := this_month + make_interval(months => i);
    EXECUTE format('CREATE TABLE %I PARTITION OF records (CONSTRAINT %I PRIMARY KEY (id)) FOR VALUES FROM (%L) TO (%L)',
                   'records_p' || to_char(m, 'YYYYMM'), 'records_p' || to_char(m, 'YYYYMM') || '_pkey',
                   m AT TIME ZONE 'UTC', (m + interval '1 month') AT TIME ZONE 'UTC');
  END LOOP;
END
$migration$;
