-- records_api_v1: the bulk path of the records repository. Stateless: no package variables.
--
-- Versioned by name. The migration runner creates a package once and refuses to start when the
-- source of an applied one changed: a new body is a new package (records_api_v2.pks and .pkb,
-- and the call in sql/oracle/queries/records.sql), created next to this one. Replacing a package
-- that other instances are running would wait on them and can time out (ORA-04021), and would
-- invalidate it under them (ORA-04061, ORA-04065, ORA-06508); during a rolling deploy the old
-- instances keep calling v1, the new ones v2. Drop an old version by hand once nothing calls it.
--
-- Error it raises (src/data/oracle/oracle-errors.ts maps it, and only it, to 400):
--   -20001  the chunk does not hold p_expected_count items
-- A bad item is refused by the table itself: NOT NULL (ORA-01400, an empty user id), the user id
-- check (ORA-02290), the JSON (OBJECT) modifier (ORA-42700), the primary key (ORA-00001).
CREATE OR REPLACE PACKAGE records_api_v1 AUTHID DEFINER AS
  -- Inserts every item of p_items in one set-based INSERT ... SELECT FROM JSON_TABLE, all or
  -- none. p_items is a JSON array of {"id": 32 hex digits, "user_id": text, "payload": object},
  -- bound as one DB_TYPE_JSON value: no PL/SQL collection is involved. (node-oracledb binds
  -- JavaScript arrays to index-by tables of scalars, and objects to VARRAY, nested table and
  -- record types through DbObject classes; a JSON array needs neither.)
  -- p_created_at: NULL on the first call of a batch, which sets it; later chunks of the same
  -- batch pass it back so the whole batch shares one creation time.
  PROCEDURE bulk_insert(
    p_items          IN            JSON,
    p_expected_count IN            PLS_INTEGER,
    p_created_at     IN OUT        TIMESTAMP WITH TIME ZONE);
END records_api_v1;
/
