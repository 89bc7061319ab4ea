-- Named statements for the Oracle records repository (src/data/oracle/oracle-records-repository.ts).
-- Binds are :name and stay named: node-oracledb binds by name. Optional filters are written in
-- SQL, never concatenated. Ids are RAW(16); times are TIMESTAMP(3) WITH TIME ZONE, bound as such.
-- A DML statement with RETURNING may not repeat a bind name (node-oracledb NJS-149), hence NVL
-- instead of "(:v IS NULL OR version = :v)" in the writes.

/* @name insertRecord */
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
VALUES (:id, :user_id, :payload, SYSTIMESTAMP, SYSTIMESTAMP, 1)
RETURNING created_at, updated_at, version INTO :out_created_at, :out_updated_at, :out_version;

/* @name bulkInsertRecords */
-- One round trip for the whole chunk: the package checks the array lengths against
-- :expected_count and inserts with FORALL; a failure of any row undoes the whole call.
BEGIN
  records_api.bulk_insert(
    p_ids            => :ids,
    p_user_ids       => :user_ids,
    p_payloads       => :payloads,
    p_expected_count => :expected_count,
    p_created_at     => :created_at);
END;

/* @name findRecordById */
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE id = :id;

/* @name listRecordsByUser */
-- Newest first; the cursor is the (created_at, id) of the last row of the previous page. Oracle
-- has no row-value comparison, so the keyset condition is spelled out.
SELECT id, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND (:created_after IS NULL OR created_at > :created_after)
  AND (:created_before IS NULL OR created_at < :created_before)
  AND (:cursor_created_at IS NULL
       OR created_at < :cursor_created_at
       OR (created_at = :cursor_created_at AND id < :cursor_id))
ORDER BY created_at DESC, id DESC
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
