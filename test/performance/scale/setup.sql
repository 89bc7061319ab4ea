-- Bookkeeping of the scale benchmark, kept apart from the service's schema: how many rows the
-- loader has committed (updated in the same transaction as each batch, so it is exact after an
-- interruption) and the measurements of every step, from which the report is rebuilt.
CREATE SCHEMA IF NOT EXISTS bench_scale;
CREATE TABLE IF NOT EXISTS bench_scale.state (
  id      integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  loaded  bigint  NOT NULL
);
INSERT INTO bench_scale.state (loaded) VALUES (0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_scale.results (
  rows         bigint      PRIMARY KEY,
  measured_at  timestamptz NOT NULL,
  result       jsonb       NOT NULL
);
-- The index and key definitions of records while a load runs without them (LOAD_INDEXES=defer):
-- kept here, not in the loader's memory, so an interrupted load still builds them in the end.
CREATE TABLE IF NOT EXISTS bench_scale.deferred_indexes (
  ord        integer NOT NULL,
  statement  text    NOT NULL
);
