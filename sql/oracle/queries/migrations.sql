-- Named statements of the Oracle migration runner (src/data/oracle/oracle-migrations.ts):
-- schema_migrations holds one row per script (migration or package) with its checksum, its
-- status ('running', 'failed', 'applied') and how many of its statements have finished, since
-- Oracle DDL commits as it goes and a failed script is resumed, not rolled back.

/* @name createSchemaMigrations */
-- IF NOT EXISTS (23ai) lets every instance run this at start without a race.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     VARCHAR2(128) NOT NULL,
  checksum    VARCHAR2(64)  NOT NULL,
  status      VARCHAR2(16)  NOT NULL,
  steps_done  NUMBER(5)     DEFAULT 0 NOT NULL,
  error_code  VARCHAR2(64),
  started_at  TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  applied_at  TIMESTAMP(3) WITH TIME ZONE,
  CONSTRAINT schema_migrations_pk PRIMARY KEY (version),
  CONSTRAINT schema_migrations_status CHECK (status IN ('running', 'failed', 'applied')));

/* @name readMigration */
SELECT checksum, status, steps_done FROM schema_migrations WHERE version = :version;

/* @name claimMigration */
-- ORA-00001 (mapped to the conflict error) when another instance inserted the row first.
INSERT INTO schema_migrations (version, checksum, status, steps_done, started_at)
VALUES (:version, :checksum, 'running', 0, SYSTIMESTAMP);

/* @name reclaimMigration */
-- Moves the row to 'running' only from the status and checksum this instance read: of two
-- instances reclaiming one row, one updates it, the other updates nothing.
UPDATE schema_migrations
SET status = 'running', checksum = :checksum, steps_done = :steps_done,
    error_code = NULL, started_at = SYSTIMESTAMP
WHERE version = :version AND status = :from_status AND checksum = :from_checksum;

/* @name stepMigration */
UPDATE schema_migrations SET steps_done = :steps_done WHERE version = :version;

/* @name failMigration */
UPDATE schema_migrations SET status = 'failed', error_code = :error_code WHERE version = :version;

/* @name finishMigration */
UPDATE schema_migrations SET status = 'applied', applied_at = SYSTIMESTAMP WHERE version = :version;

/* @name packageErrors */
-- CREATE OR REPLACE succeeds even when the unit does not compile; USER_ERRORS tells. It also
-- holds the compiler's warnings (PLW-, ATTRIBUTE 'WARNING') where PLSQL_WARNINGS enables them:
-- those must not stop the start.
SELECT line, position, text
FROM user_errors
WHERE name = :name AND type = :type AND attribute = 'ERROR'
ORDER BY sequence;
