CREATE OR REPLACE PACKAGE BODY records_api AS
  TYPE payload_tab IS TABLE OF JSON INDEX BY PLS_INTEGER;

  PROCEDURE bulk_insert(
    p_ids            IN            id_tab,
    p_user_ids       IN            user_id_tab,
    p_payloads       IN            JSON,
    p_expected_count IN            PLS_INTEGER,
    p_created_at     IN OUT        TIMESTAMP WITH TIME ZONE)
  IS
    l_payloads payload_tab;
    l_now      TIMESTAMP(3) WITH TIME ZONE;
  BEGIN
    -- The caller counted its arrays; check them again here, and that they are dense from 1,
    -- which FORALL over 1..n needs.
    IF p_expected_count IS NULL OR p_expected_count < 1
       OR p_ids.COUNT <> p_expected_count OR p_user_ids.COUNT <> p_expected_count
       OR p_ids.FIRST <> 1 OR p_ids.LAST <> p_expected_count
       OR p_user_ids.FIRST <> 1 OR p_user_ids.LAST <> p_expected_count THEN
      RAISE_APPLICATION_ERROR(-20001, 'bulk_insert: ids and user ids must both hold '
        || NVL(TO_CHAR(p_expected_count), 'NULL') || ' elements');
    END IF;

    SELECT jt.doc
      BULK COLLECT INTO l_payloads
      FROM JSON_TABLE(p_payloads, '$[*]'
             COLUMNS (ord FOR ORDINALITY, doc JSON PATH '$')) jt
     ORDER BY jt.ord;
    IF l_payloads.COUNT <> p_expected_count THEN
      RAISE_APPLICATION_ERROR(-20001, 'bulk_insert: payloads must hold '
        || p_expected_count || ' elements, not ' || l_payloads.COUNT);
    END IF;

    FOR i IN 1 .. p_expected_count LOOP
      IF p_user_ids(i) IS NULL THEN
        RAISE_APPLICATION_ERROR(-20002, 'bulk_insert: user id ' || i || ' is empty');
      END IF;
      IF p_ids(i) IS NULL OR UTL_RAW.LENGTH(p_ids(i)) <> 16 THEN
        RAISE_APPLICATION_ERROR(-20003, 'bulk_insert: id ' || i || ' is not 16 bytes');
      END IF;
      IF JSON_VALUE(l_payloads(i), '$.type()') <> 'object' THEN
        RAISE_APPLICATION_ERROR(-20004, 'bulk_insert: payload ' || i || ' is not an object');
      END IF;
    END LOOP;

    l_now := NVL(p_created_at, SYSTIMESTAMP);
    -- No SAVE EXCEPTIONS: the first failing row (ORA-00001 for a taken id) ends the call, and
    -- Oracle rolls back everything a failed top-level call did.
    FORALL i IN 1 .. p_expected_count
      INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
      VALUES (p_ids(i), p_user_ids(i), l_payloads(i), l_now, l_now, 1);
    p_created_at := l_now;
  END bulk_insert;
END records_api;
/
