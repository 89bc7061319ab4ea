/** Idempotency-Key on the creates, over real HTTP on PostgreSQL and PGlite. */
import { previousFingerprint, requestFingerprint } from '../../src/services/request-fingerprint.js';
import { BACKENDS } from '../helpers/databases.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('Idempotency-Key on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  const count = async (userId: string) =>
    (await s.request('GET', `/data?user_id=${userId}&limit=1000`)).body.items.length;

  test('when a create is retried with the same key and body, then the original answer comes back and nothing is written', async () => {
    const headers = { 'idempotency-key': 'retry-1' };
    const body = { user_id: 'idem-a', payload: { n: 1 } };
    const first = await s.request('POST', '/data', { body, headers });
    expect(first.status).toBe(201);
    const again = await s.request('POST', '/data', { body, headers });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await count('idem-a')).toBe(1);
  });

  test('when the same key comes with another body, then 422 and nothing is written', async () => {
    const headers = { 'idempotency-key': 'retry-2' };
    await s.request('POST', '/data', { body: { user_id: 'idem-b', payload: { n: 1 } }, headers });
    const other = await s.request('POST', '/data', {
      body: { user_id: 'idem-b', payload: { n: 2 } },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('DAPI-4221');
    const bulk = await s.request('POST', '/data/bulk', {
      body: { items: [{ user_id: 'idem-b', payload: {} }] },
      headers,
    });
    expect(bulk.status).toBe(422);
    expect(await count('idem-b')).toBe(1);
  });

  test('when a bulk create is retried, then the same records come back', async () => {
    const headers = { 'idempotency-key': 'bulk-1' };
    const body = {
      items: [
        { user_id: 'idem-c', payload: { i: 1 } },
        { user_id: 'idem-c', payload: { i: 2 } },
      ],
    };
    const first = await s.request('POST', '/data/bulk', { body, headers });
    const again = await s.request('POST', '/data/bulk', { body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await count('idem-c')).toBe(2);
  });

  test('when the first request failed, then the key is free for a retry', async () => {
    const headers = { 'idempotency-key': 'failed-first' };
    const tooBig = await s.request('POST', '/data', {
      body: { user_id: 'idem-d', payload: { s: 'x'.repeat(70_000) } },
      headers,
    });
    expect(tooBig.status).toBe(413);
    const fixed = await s.request('POST', '/data', { body: { user_id: 'idem-d', payload: {} }, headers });
    expect(fixed.status).toBe(201);
  });

  test('when a key is malformed, then 400', async () => {
    const res = await s.request('POST', '/data', {
      body: { user_id: 'idem-e', payload: {} },
      headers: { 'idempotency-key': 'has space' },
    });
    expect(res.status).toBe(400);
    expect(await count('idem-e')).toBe(0);
  });

  test('when 200 retries of one request with one key arrive at once, then exactly one record exists', async () => {
    const headers = { 'idempotency-key': 'storm-1' };
    const body = { user_id: 'idem-storm', payload: { once: true } };
    const results = await Promise.all(
      Array.from({ length: 200 }, () => s.request('POST', '/data', { body, headers })),
    );
    const statuses = new Set(results.map((r) => r.status));
    // Each retry either replays the original 201 or hears that the first is still in flight.
    expect([...statuses].every((st) => st === 201 || st === 409)).toBe(true);
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('DAPI-4092');
    expect(await count('idem-storm')).toBe(1);
  }, 60_000);

  const post = (raw: string, key: string) =>
    s.request('POST', '/data', {
      raw,
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });

  test('when a retry carries the same body with its members reordered and other whitespace, then it is the same request', async () => {
    const first = await post(
      '{"user_id":"idem-g","payload":{"a":1,"b":{"x":"é","y":[1,{"p":1,"q":2}]}}}',
      'canon-1',
    );
    expect(first.status).toBe(201);
    const retries = [
      '{ "payload" : { "b" : { "y" : [ 1 , { "q" : 2 , "p" : 1 } ] , "x" : "\\u00e9" } , "a" : 1 } ,\n "user_id" : "idem-g" }',
      '{"payload":{"b":{"y":[1,{"q":2,"p":1}],"x":"é"},"a":1e0},"user_id":"idem-g"}',
    ];
    for (const raw of retries) {
      const again = await post(raw, 'canon-1');
      expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([
        201,
        first.text,
        'true',
      ]);
    }
    expect(await count('idem-g')).toBe(1);
  });

  test('when a retry differs in any value, an array order or a type, then 422 and nothing is written', async () => {
    await post('{"user_id":"idem-h","payload":{"a":[1,2],"n":1,"s":"x"}}', 'canon-2');
    for (const raw of [
      '{"user_id":"idem-h","payload":{"a":[2,1],"n":1,"s":"x"}}',
      '{"user_id":"idem-h","payload":{"a":[1,2],"n":"1","s":"x"}}',
      '{"user_id":"idem-h","payload":{"a":[1,2],"n":1,"s":"X"}}',
      '{"user_id":"idem-h","payload":{"a":[1,2],"n":1,"s":"x","t":null}}',
      '{"user_id":"idem-h","payload":{"a":[1,2],"n":1}}',
      // 1.0 keeps its scale in the database (docs/payload-numbers.md): another stored value.
      '{"user_id":"idem-h","payload":{"a":[1,2],"n":1.0,"s":"x"}}',
    ]) {
      expect((await post(raw, 'canon-2')).status).toBe(422);
    }
    expect(await count('idem-h')).toBe(1);
  });

  test('when a key was stored by the previous release (member order kept in its fingerprint), then its retry still replays', async () => {
    const body = { user_id: 'idem-i', payload: { z: 1, a: 2 } };
    const headers = { 'idempotency-key': 'legacy-1' };
    const first = await s.request('POST', '/data', { body, headers });
    const legacy = previousFingerprint('createRecord', body);
    expect(legacy).not.toBe(requestFingerprint('createRecord', body));
    // The row as the previous release wrote it: its fingerprint, no lease.
    await s.db.exec(
      `UPDATE ${s.testDb!.schema}.idempotency_keys SET fingerprint = '${legacy}', lease_token = NULL, lease_until = NULL
       WHERE key = 'legacy-1'`,
    );
    const again = await s.request('POST', '/data', { body, headers });
    expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([
      201,
      first.text,
      'true',
    ]);
    expect(await count('idem-i')).toBe(1);
  });

  /** Leaves the row a process that died holding the key leaves: in flight, its lease ending in `seconds`. */
  const deadHolder = (key: string, fingerprint: string, seconds: number) =>
    s.db.exec(
      `INSERT INTO ${s.testDb!.schema}.idempotency_keys (subject, key, fingerprint, state, created_at, expires_at, lease_token, lease_until)
       VALUES ('none:developer', '${key}', '${fingerprint}', 'in-flight', now(), now() + interval '1 hour',
               gen_random_uuid(), now() + make_interval(secs => ${seconds}))`,
    );

  test('when the holder of a key died, then retries hear 409 with the lease left, and once it has run out one retry takes the key over and succeeds', async () => {
    const body = { user_id: 'idem-j', payload: { n: 1 } };
    const fingerprint = requestFingerprint('createRecord', body);
    await deadHolder('dead-1', fingerprint, 20);
    const busy = await s.request('POST', '/data', { body, headers: { 'idempotency-key': 'dead-1' } });
    expect(busy.status).toBe(409);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(19);
    expect(Number(busy.headers.get('retry-after'))).toBeLessThanOrEqual(20);

    await deadHolder('dead-2', fingerprint, -1);
    // Another request with that key is still another request.
    const other = await s.request('POST', '/data', {
      body: { ...body, payload: { n: 2 } },
      headers: { 'idempotency-key': 'dead-2' },
    });
    expect(other.status).toBe(422);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        s.request('POST', '/data', { body, headers: { 'idempotency-key': 'dead-2' } }),
      ),
    );
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(new Set(results.filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(1);
    expect(await count('idem-j')).toBe(1);
  });

  test('when a key has expired, then it can be used again', async () => {
    const headers = { 'idempotency-key': 'expiring' };
    await s.request('POST', '/data', { body: { user_id: 'idem-f', payload: { n: 1 } }, headers });
    await s.db.exec(
      `UPDATE ${s.testDb!.schema}.idempotency_keys SET expires_at = now() - interval '1 second'`,
    );
    const reused = await s.request('POST', '/data', {
      body: { user_id: 'idem-f', payload: { n: 2 } },
      headers,
    });
    expect(reused.status).toBe(201);
    expect(await count('idem-f')).toBe(2);
  });
});
