-- Named statements for the records repository. Bind parameters are :name; the catalog turns
-- them into $n. Nothing is ever concatenated. The connections use generic plans
-- (plan_cache_mode=force_generic_plan): each statement is planned once per connection, and
-- partitions outside the bounds are pruned when the plan starts, not by planning again. So no
-- condition that an index or the pruning reads is optional (`:x IS NULL OR ...`, which a generic
-- plan cannot fold away): a bound that is not wanted is passed as -infinity, infinity or the
-- largest uuid (docs/partitioning.md). Only the version check, a filter on the one row found by
-- id, stays optional. Payloads go in as JSON text (:payload::jsonb) and come back as jsonb's text
-- (payload::text): jsonb keeps every number exactly, and neither driver turns it into a double
-- (docs/payload-numbers.md).

/* @name insertRecord */
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
VALUES (:id::uuid, :user_id, :payload::jsonb, now(), now(), 1)
RETURNING id::text, user_id, payload::text AS payload, created_at, updated_at, version;

/* @name bulkInsertRecords */
-- One set-based statement for the whole batch: :items is a JSON array of
-- {"id", "user_id", "payload"}. The caller orders the result by its own ids.
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
SELECT (e.item ->> 'id')::uuid, e.item ->> 'user_id', e.item -> 'payload', now(), now(), 1
FROM jsonb_array_elements(:items::jsonb) WITH ORDINALITY AS e (item, ord)
ORDER BY e.ord
RETURNING id::text, user_id, payload::text AS payload, created_at, updated_at, version;

/* @name bulkInsertRecordsBare */
-- The same insert when the caller needs no row back (a bulk create answered with
-- Prefer: return=minimal): the instant every row was created at (their created_at and
-- updated_at, as the column rounds it) and how many were written.
WITH inserted AS (
  INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
  SELECT (e.item ->> 'id')::uuid, e.item ->> 'user_id', e.item -> 'payload', now(), now(), 1
  FROM jsonb_array_elements(:items::jsonb) WITH ORDINALITY AS e (item, ord)
  ORDER BY e.ord
  RETURNING 1
)
SELECT now()::timestamptz(3) AS created_at, count(*)::integer AS count FROM inserted;

/* @name findRecordById */
-- By id, the partition is unknown: every partition's key would be probed. :near_from / :near_to
-- bound created_at around the time a UUIDv7 id carries, so only one or two partitions are read;
-- the repository asks again with -infinity / infinity when that finds nothing
-- (docs/partitioning.md). The same holds for the three statements by id below.
SELECT id::text, user_id, payload::text AS payload, created_at, updated_at, version
FROM records
WHERE id = :id::uuid
  AND created_at >= :near_from::timestamptz
  AND created_at < :near_to::timestamptz;

/* @name listRecordsByUser */
-- Newest first; the cursor is the (created_at, id) of the last row of the previous page. With no
-- filter and no cursor the bounds are -infinity, infinity and (infinity, the largest uuid), and
-- every condition is an index condition of (user_id, created_at DESC, id DESC). The plain
-- created_at <= bound repeats what the row comparison implies: partition pruning reads plain
-- comparisons only, so with it the partitions newer than the cursor are skipped. ORDER BY names
-- the table's columns: the bare id would be the output column id::text and cost a sort; with
-- them the rows come in the index's order.
SELECT id::text, user_id, payload::text AS payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND created_at > :created_after::timestamptz
  AND created_at < :created_before::timestamptz
  AND created_at <= :cursor_created_at::timestamptz
  AND (created_at, id) < (:cursor_created_at::timestamptz, :cursor_id::uuid)
ORDER BY records.created_at DESC, records.id DESC
LIMIT :limit::integer;

/* @name listRecordsContaining */
-- listRecordsByUser for a payload filter (payload_contains, docs/payload-filter.md): the rows
-- whose payload contains :contains (jsonb @>; the filter goes in as JSON text, so jsonb reads
-- its numbers exactly), never below the floor (:floor_created_at, :floor_id), inclusive. The
-- service reads the floor first (findListPosition), so one statement examines at most a scan
-- window of the user's rows in index order, however rare the matches: each statement stays
-- short under the statement timeout. Without a floor it is -infinity and the smallest uuid.
SELECT id::text, user_id, payload::text AS payload, created_at, updated_at, version
FROM records
WHERE user_id = :user_id
  AND created_at > :created_after::timestamptz
  AND created_at < :created_before::timestamptz
  AND created_at <= :cursor_created_at::timestamptz
  AND (created_at, id) < (:cursor_created_at::timestamptz, :cursor_id::uuid)
  AND created_at >= :floor_created_at::timestamptz
  AND (created_at, id) >= (:floor_created_at::timestamptz, :floor_id::uuid)
  AND payload @> :contains::jsonb
ORDER BY records.created_at DESC, records.id DESC
LIMIT :limit::integer;

/* @name findListPosition */
-- The (created_at, id) :skip rows below the top of a list's range (the bounds of
-- listRecordsByUser), or no row when the range is shorter: the floor of a filtered page's scan
-- window, and the lower end of an erase batch. Only the list's index is read (its three
-- columns are the whole answer).
SELECT created_at, id::text
FROM records
WHERE user_id = :user_id
  AND created_at > :created_after::timestamptz
  AND created_at < :created_before::timestamptz
  AND created_at <= :cursor_created_at::timestamptz
  AND (created_at, id) < (:cursor_created_at::timestamptz, :cursor_id::uuid)
ORDER BY records.created_at DESC, records.id DESC
OFFSET :skip::integer
LIMIT 1;

/* @name eraseRecords */
-- One batch of an erase (DELETE /data?user_id=...): the user's records strictly below
-- (:below_created_at, :below_id) and down to (:from_created_at, :from_id) inclusive, a range of
-- the list's index a batch long, deleted in one short statement that commits on its own, so an
-- erase of millions of records never holds many locks for long, and what it deleted stays
-- deleted if the erase is interrupted. Partitions outside the range are pruned.
DELETE FROM records
WHERE user_id = :user_id
  AND created_at <= :below_created_at::timestamptz
  AND (created_at, id) < (:below_created_at::timestamptz, :below_id::uuid)
  AND created_at >= :from_created_at::timestamptz
  AND (created_at, id) >= (:from_created_at::timestamptz, :from_id::uuid)
RETURNING id::text, version;

/* @name updateRecordPayload */
-- :expected_version NULL means "whatever the current version is". updated_at never goes back
-- across versions: now() is the start of the statement, possibly long before the wait for
-- another writer's row lock ends, so the clock is read as the row is updated (clock_timestamp(),
-- evaluated again on the newest row when a concurrent update made the statement wait), and never
-- below that row's updated_at (another session's clock, or the rounding to timestamptz(3), may be
-- ahead), nor below created_at (a row loaded with a created_at ahead of the clock). updated_at is
-- not the partition key: the row stays in its partition.
UPDATE records
SET payload = :payload::jsonb,
    updated_at = greatest(clock_timestamp(), updated_at, created_at),
    version = version + 1
WHERE id = :id::uuid
  AND created_at >= :near_from::timestamptz
  AND created_at < :near_to::timestamptz
  AND (:expected_version::integer IS NULL OR version = :expected_version::integer)
RETURNING id::text, user_id, payload::text AS payload, created_at, updated_at, version;

/* @name deleteRecord */
-- deleted_at, the time of the change event, as updateRecordPayload's updated_at: never before
-- the last version's, in the API's milliseconds.
DELETE FROM records
WHERE id = :id::uuid
  AND created_at >= :near_from::timestamptz
  AND created_at < :near_to::timestamptz
  AND (:expected_version::integer IS NULL OR version = :expected_version::integer)
RETURNING user_id, version, greatest(clock_timestamp(), updated_at, created_at)::timestamptz(3) AS deleted_at;

/* @name findRecordVersion */
SELECT version FROM records
WHERE id = :id::uuid
  AND created_at >= :near_from::timestamptz
  AND created_at < :near_to::timestamptz;
