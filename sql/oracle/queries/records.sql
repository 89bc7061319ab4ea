-- Named statements for the Oracle records repository (src/data/oracle/oracle-records-repository.ts).
-- Binds are :name and stay named: node-oracledb binds by name. Nothing is concatenated. Ids are
-- RAW(16); times are TIMESTAMP(3) WITH TIME ZONE, bound as such. node-oracledb refuses (NJS-149)
-- a DML RETURNING statement whose placeholder appears both before and after RETURNING; a name
-- repeated before RETURNING is allowed, and the writes below repeat none anyway.
-- docs/oracle.md, "Evidence", cites the documentation of every construct used here.

/* @name insertRecord */
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
VALUES (:id, :user_id, :payload, SYSTIMESTAMP, SYSTIMESTAMP, 1)
RETURNING created_at, updated_at, version INTO :out_created_at, :out_updated_at, :out_version;

/* @name bulkInsertRecords */
-- One round trip for the whole chunk: :items is one JSON array of {"id", "user_id", "payload"}
-- (DB_TYPE_JSON), inserted set-based by the package; :expected_count is what the package checks
-- the array against. The package is versioned by name (records_api_v1.pks says why).
BEGIN
  records_api_v1.bulk_insert(
    p_items          => :items,
    p_expected_count => :expected_count,
    p_created_at     => :created_at);
END;

/* @name findRecordById */
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE id = :id;

/* @name listRecordsByUser */
-- The list, newest first, in four variants, one per combination of bounds the repository has
-- (oracle-list-query.ts picks one): no condition is optional, so every one the statement has is
-- an index access predicate, and every bound on the partition key prunes. Ordered and bounded on
-- created_utc, the partition key, which orders as created_at does. The intended plan of each
-- (docs/oracle.md, "The list"): INDEX RANGE SCAN DESCENDING of records_user_created_idx under a
-- PARTITION RANGE iterator, no SORT ORDER BY, stopped after :max_rows (WINDOW NOSORT STOPKEY).
-- This one: no bound; every month's partition is visited, newest first, until the page is full.
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
ORDER BY created_utc DESC, id DESC
FETCH FIRST :max_rows ROWS ONLY;

/* @name listRecordsByUserAfter */
-- Only a lower bound (created_after): the partitions before it are pruned (Pstart KEY).
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND created_utc > SYS_EXTRACT_UTC(:after_at)
ORDER BY created_utc DESC, id DESC
FETCH FIRST :max_rows ROWS ONLY;

/* @name listRecordsByUserBefore */
-- Only an upper bound: the keyset position (:before_at, :before_id), which is the cursor, or
-- created_before with the smallest id (so "< created_before"), whichever comes first. Oracle has
-- no row-value comparison: the plain "<=" is the access predicate and prunes the partitions
-- after it (Pstop KEY); the OR only filters the index entries at that one instant.
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND created_utc <= SYS_EXTRACT_UTC(:before_at)
  AND (created_utc < SYS_EXTRACT_UTC(:before_at) OR id < :before_id)
ORDER BY created_utc DESC, id DESC
FETCH FIRST :max_rows ROWS ONLY;

/* @name listRecordsByUserBetween */
-- Both bounds: the partitions outside [after, before] are pruned at both ends.
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND created_utc > SYS_EXTRACT_UTC(:after_at)
  AND created_utc <= SYS_EXTRACT_UTC(:before_at)
  AND (created_utc < SYS_EXTRACT_UTC(:before_at) OR id < :before_id)
ORDER BY created_utc DESC, id DESC
FETCH FIRST :max_rows ROWS ONLY;

/* @name updateRecordPayload */
-- :expected_version NULL means "whatever the current version is". updated_at never goes back
-- across versions: SET reads the row as locked (the previous version's updated_at), and another
-- session's clock or the rounding to TIMESTAMP(3) may be ahead of SYSTIMESTAMP; nor below
-- created_at, as before.
UPDATE records
SET payload = :payload,
    updated_at = GREATEST(SYSTIMESTAMP, updated_at, created_at),
    version = version + 1
WHERE id = :id
  AND version = NVL(:expected_version, version)
RETURNING user_id, created_at, updated_at, version
INTO :out_user_id, :out_created_at, :out_updated_at, :out_version;

/* @name deleteRecord */
-- The time of the delete, as updatePayload's updated_at: never before the last version's.
DELETE FROM records
WHERE id = :id
  AND version = NVL(:expected_version, version)
RETURNING user_id, version, GREATEST(SYSTIMESTAMP, updated_at, created_at)
INTO :out_user_id, :out_version, :out_deleted_at;

/* @name findRecordVersion */
SELECT version FROM records WHERE id = :id;
