/** Idempotency-Key on the creates, over real HTTP on PostgreSQL and PGlite. */
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
