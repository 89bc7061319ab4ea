-- Named statements for the records repository. Bind parameters are :name; the catalog turns
-- them into $n. Optional filters are written in SQL, never concatenated.

/* @name insertRecord */
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
VALUES (:id::uuid, :user_id, :payload::jsonb, now(), now(), 1)
RETURNING id::text, user_id, payload, created_at, updated_at, version;

/* @name bulkInsertRecords */
-- One set-based statement for the whole batch: :items is a JSON array of
-- {"id", "user_id", "payload"}. The caller orders the result by its own ids.
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
SELECT (e.item ->> 'id')::uuid, e.item ->> 'user_id', e.item -> 'payload', now(), now(), 1
FROM jsonb_array_elements(:items::jsonb) WITH ORDINALITY AS e (item, ord)
ORDER BY e.ord
RETURNING id::text, user_id, payload, created_at, updated_at, version;

/* @name findRecordById */
SELECT id::text, user_id, payload, created_at, updated_at, version
FROM records
WHERE id = :id::uuid;

/* @name listRecordsByUser */
-- Newest first; the cursor is the (created_at, id) of the last row of the previous page.
SELECT id::text, user_id, payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND (:created_after::timestamptz IS NULL OR created_at > :created_after::timestamptz)
  AND (:created_before::timestamptz IS NULL OR created_at < :created_before::timestamptz)
  AND (:cursor_created_at::timestamptz IS NULL
       OR (created_at, id) < (:cursor_created_at::timestamptz, :cursor_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT :limit::integer;

/* @name updateRecordPayload */
-- :expected_version NULL means "whatever the current version is".
UPDATE records
SET payload = :payload::jsonb,
    updated_at = greatest(now(), created_at),
    version = version + 1
WHERE id = :id::uuid
  AND (:expected_version::integer IS NULL OR version = :expected_version::integer)
RETURNING id::text, user_id, payload, created_at, updated_at, version;

/* @name deleteRecord */
DELETE FROM records
WHERE id = :id::uuid
  AND (:expected_version::integer IS NULL OR version = :expected_version::integer)
RETURNING user_id, version;

/* @name findRecordVersion */
SELECT version FROM records WHERE id = :id::uuid;
