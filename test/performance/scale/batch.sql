-- One batch of :n rows, generated in the server (no client data transfer): created_at uniform
-- over the :days days before :t0 (ms since the epoch); the id is a UUIDv7 of that instant (48-bit
-- ms timestamp, version 7, random rest from gen_random_uuid), so ids are time-ordered with
-- created_at. Users: 5% of rows go to five hot users hot-1..hot-5 (1% each, the deep pages); the
-- rest to 100,000 users user-000000..user-099999 with a skew (user k gets a share ~ 1/sqrt(k)).
BEGIN;
INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
SELECT encode(set_byte(overlay(s.rb PLACING substring(int8send(s.ms) FROM 3 FOR 6) FROM 1 FOR 6),
                       6, (get_byte(s.rb, 6) & 15) | 112), 'hex')::uuid,
       CASE WHEN s.r < 0.05 THEN 'hot-' || (1 + floor(s.r * 100))::int
            ELSE 'user-' || lpad(floor(100000 * power((s.r - 0.05) / 0.95, 2))::int::text, 6, '0') END,
       p.payload,
       'epoch'::timestamptz + s.ms * interval '1 millisecond',
       'epoch'::timestamptz + s.ms * interval '1 millisecond',
       1
FROM (SELECT (:t0::bigint - floor(random() * :days::bigint * 86400000))::bigint AS ms,
             uuid_send(gen_random_uuid()) AS rb,
             random() AS r,
             floor(random() * 1024)::int AS k
      FROM generate_series(1, :n::int)) AS s
JOIN pool AS p ON p.k = s.k;
UPDATE bench_scale.state SET loaded = loaded + :n::bigint;
COMMIT;
