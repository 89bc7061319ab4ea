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

/* @name listRecordsContaining */
-- A page of the records whose payload contains the filter (payload_contains, jsonb @> on
-- PostgreSQL): {{payload_contains}} is one JSON_EXISTS condition that
-- src/data/oracle/oracle-payload-filter.ts writes from the filter's shape, every value of it a
-- PASSING bind. Both keyset bounds are always there (a missing one is the first or last
-- instant), so the statement has one form: below the cursor (or created_before, whichever comes
-- first), after created_after, and never below the floor (:floor_at, :floor_id), inclusive, the
-- end of the scan window that findListPosition found first. Every bound on created_utc prunes.
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND created_utc > SYS_EXTRACT_UTC(:after_at)
  AND created_utc <= SYS_EXTRACT_UTC(:before_at)
  AND (created_utc < SYS_EXTRACT_UTC(:before_at) OR id < :before_id)
  AND created_utc >= SYS_EXTRACT_UTC(:floor_at)
  AND (created_utc > SYS_EXTRACT_UTC(:floor_at) OR id >= :floor_id)
  AND {{payload_contains}}
ORDER BY created_utc DESC, id DESC
FETCH FIRST :max_rows ROWS ONLY;

/* @name findListPosition */
-- The (created_at, id) :skip_rows rows below the top of a list's range, or no row when it is
-- shorter: the floor of a filtered page's scan window, and the lower end of an erase batch.
-- A range scan of records_user_created_idx; created_at (WITH TIME ZONE, which the driver reads
-- as the right instant, unlike created_utc) may cost a table access per row skipped.
SELECT created_at, id
FROM records
WHERE user_id = :user_id
  AND created_utc > SYS_EXTRACT_UTC(:after_at)
  AND created_utc <= SYS_EXTRACT_UTC(:before_at)
  AND (created_utc < SYS_EXTRACT_UTC(:before_at) OR id < :before_id)
ORDER BY created_utc DESC, id DESC
OFFSET :skip_rows ROWS FETCH NEXT 1 ROWS ONLY;

/* @name eraseRecords */
-- One batch of an erase (DELETE /data?user_id=...): the user's records strictly below
-- (:below_at, :below_id) down to (:from_at, :from_id) inclusive, a thousand at most, deleted and
-- committed in one round trip (autoCommit); RETURNING gives each deleted id and version (one
-- array element per row) for the cache's tombstones.
DELETE FROM records
WHERE user_id = :user_id
  AND created_utc <= SYS_EXTRACT_UTC(:below_at)
  AND (created_utc < SYS_EXTRACT_UTC(:below_at) OR id < :below_id)
  AND created_utc >= SYS_EXTRACT_UTC(:from_at)
  AND (created_utc > SYS_EXTRACT_UTC(:from_at) OR id >= :from_id)
RETURNING id, version INTO :out_id, :out_version;

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
