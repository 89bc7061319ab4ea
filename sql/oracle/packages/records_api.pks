-- records_api: the bulk path of the records repository. (Re)created by the migration runner with
-- CREATE OR REPLACE whenever this file changes. Stateless: no package variables, so recompiling
-- it never raises ORA-04068 in other sessions.
--
-- Errors it raises (src/data/oracle/oracle-errors.ts maps them to 400 validation-failed):
--   -20001  the arrays differ in length from each other or from p_expected_count
--   -20002  a user id is NULL (the empty string, in Oracle)
--   -20003  an id is NULL or not 16 bytes
--   -20004  a payload is not a JSON object
CREATE OR REPLACE PACKAGE records_api AUTHID DEFINER AS
  -- Index-by tables: the only collections node-oracledb binds straight from JavaScript arrays.
  TYPE id_tab IS TABLE OF RAW(16) INDEX BY PLS_INTEGER;
  TYPE user_id_tab IS TABLE OF VARCHAR2(128) INDEX BY PLS_INTEGER;

  -- Inserts p_ids.COUNT records in one FORALL, all or none. p_payloads is a JSON array holding
  -- one object per id, in the same order (index-by tables cannot hold the JSON type).
  -- p_created_at: NULL on the first call of a batch, which sets it; later chunks of the same
  -- batch pass it back so the whole batch shares one creation time.
  PROCEDURE bulk_insert(
    p_ids            IN            id_tab,
    p_user_ids       IN            user_id_tab,
    p_payloads       IN            JSON,
    p_expected_count IN            PLS_INTEGER,
    p_created_at     IN OUT        TIMESTAMP WITH TIME ZONE);
END records_api;
/
