CREATE OR REPLACE PACKAGE BODY records_api_v1 AS
  PROCEDURE bulk_insert(
    p_items          IN            JSON,
    p_expected_count IN            PLS_INTEGER,
    p_created_at     IN OUT        TIMESTAMP WITH TIME ZONE)
  IS
    l_now TIMESTAMP(3) WITH TIME ZONE;
  BEGIN
    IF p_expected_count IS NULL OR p_expected_count < 1 THEN
      RAISE_APPLICATION_ERROR(-20001, 'bulk_insert: p_expected_count must be 1 or more, not '
        || NVL(TO_CHAR(p_expected_count), 'NULL'));
    END IF;

    -- One instant for the chunk (and the batch): taken once here, not per row.
    l_now := NVL(p_created_at, SYSTIMESTAMP);
    -- ERROR ON ERROR: JSON_TABLE's default (NULL ON ERROR) would turn an item it cannot read
    -- into NULLs. A JSON-returning column needs FORMAT JSON (JSON_query_column).
    INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
    SELECT HEXTORAW(jt.id), jt.user_id, jt.payload, l_now, l_now, 1
      FROM JSON_TABLE(p_items, '$[*]' ERROR ON ERROR
             COLUMNS (id      VARCHAR2(32)   PATH '$.id'                  ERROR ON ERROR,
                      user_id VARCHAR2(4000) PATH '$.user_id'             ERROR ON ERROR,
                      payload JSON           FORMAT JSON PATH '$.payload' ERROR ON ERROR)) jt;
    -- All or none does not rest on what Oracle undoes of a failed call: the repository rolls
    -- the whole transaction back on any error (OracleDatabase.withConnection).
    IF SQL%ROWCOUNT <> p_expected_count THEN
      RAISE_APPLICATION_ERROR(-20001, 'bulk_insert: p_items holds ' || SQL%ROWCOUNT
        || ' items, not ' || p_expected_count);
    END IF;
    p_created_at := l_now;
  END bulk_insert;
END records_api_v1;
/
