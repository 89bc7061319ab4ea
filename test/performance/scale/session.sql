-- Once per loader session: commits need not wait for the WAL flush (a crash loses at most the
-- last batches, and the row counter with them), and a pool of 1,024 payloads of 200 to 500
-- bytes built once, so a row costs a hash lookup instead of building a JSON object.
SET synchronous_commit = off;
CREATE TEMP TABLE pool AS
SELECT k - 1 AS k,
       jsonb_build_object(
         'title', 'Record ' || left(md5(k::text), 10),
         'kind', (ARRAY['note', 'task', 'event', 'metric', 'document'])[1 + k % 5],
         'score', (k * 7919) % 1000,
         'done', k % 3 = 0,
         'tags', jsonb_build_array('t' || k % 40, 't' || (k * 31) % 40),
         'body', substr(repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod '
                               'tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, '
                               'quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo. ', 3),
                        1 + (k * 13) % 200, 100 + (k * 37) % 280)) AS payload
FROM generate_series(1, 1024) AS k;
ANALYZE pool;
