-- Named statements of the migration runner (src/data/migrations.ts): schema_migrations holds one
-- row per applied file of sql/postgres/migrations with its checksum. The runner holds the lock
-- for its whole transaction, so instances starting together apply each file once.

/* @name createMigrationsTable */
-- Run as a script before anything is read: {{schema}} is DATABASE_SCHEMA (an identifier checked
-- by the configuration; a name cannot be a bind parameter). After migrationLock: CREATE ... IF
-- NOT EXISTS is not safe against a concurrent create.
CREATE SCHEMA IF NOT EXISTS {{schema}};
CREATE TABLE IF NOT EXISTS {{schema}}.schema_migrations (
  version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL);

/* @name migrationStatementTimeout */
-- MIGRATE_TIMEOUT_MS for the rest of the migration transaction, the wait for the lock below
-- included (the pool's DB_STATEMENT_TIMEOUT_MS would cut another instance's wait short).
SELECT set_config('statement_timeout', :timeout_ms, true) AS statement_timeout;

/* @name migrationLockTimeout */
-- MIGRATE_LOCK_TIMEOUT_MS, set once the migration lock is held: DDL that waits for a table lock
-- held by traffic gives up instead of queueing every request behind its own lock request.
SELECT set_config('lock_timeout', :timeout_ms, true) AS lock_timeout;

/* @name migrationLock */
-- Held until the migration transaction ends.
SELECT pg_advisory_xact_lock(7271530412) AS locked;

/* @name appliedMigrations */
SELECT version, checksum FROM schema_migrations;

/* @name recordMigration */
INSERT INTO schema_migrations (version, checksum, applied_at) VALUES (:version, :checksum, now());
