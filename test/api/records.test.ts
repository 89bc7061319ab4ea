/**
 * Every record operation over real HTTP, on the embedded PGlite and on the PostgreSQL server.
 * Each response is checked against the contract by the test server.
 */
import { BACKENDS } from '../helpers/databases.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };

describe.each(BACKENDS)('records on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind, { BULK_MAX_ITEMS: '50' });
  });
  afterAll(async () => {
    await s.close();
  });

  async function create(userId: string, payload: object) {
    const res = await s.request('POST', '/data', { body: { user_id: userId, payload } });
    expect(res.status).toBe(201);
    return res.body;
  }

  test('when a record is created, then it answers 201 with Location, ETag and version 1', async () => {
    const res = await s.request('POST', '/data', {
      body: { user_id: 'user123', payload: { name: 'João', age: 30, nested: { list: [1, 2.5, null] } } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      user_id: 'user123',
      payload: { name: 'João', age: 30, nested: { list: [1, 2.5, null] } },
      version: 1,
    });
    expect(res.headers.get('location')).toBe(`/data/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body.created_at).toBe(res.body.updated_at);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('when a record is read, then the same record and ETag come back, and If-None-Match gives 304', async () => {
    const created = await create('reader', { a: 1 });
    const res = await s.request('GET', `/data/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
    expect(res.headers.get('etag')).toBe('"1"');
    const cached = await s.request('GET', `/data/${created.id}`, { headers: { 'if-none-match': '"1"' } });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    const stale = await s.request('GET', `/data/${created.id}`, { headers: { 'if-none-match': '"7"' } });
    expect(stale.status).toBe(200);
  });

  test('when an id names no record, then GET, PUT, PATCH and DELETE answer 404', async () => {
    for (const id of ['01937a4e-8f2c-7cc1-9b1e-5f4a2d3c1b0a', 'not-a-uuid', "1' OR '1'='1"]) {
      const path = `/data/${encodeURIComponent(id)}`;
      expect((await s.request('GET', path)).body.code).toBe('DAPI-4041');
      expect((await s.request('PUT', path, { body: { payload: {} } })).status).toBe(404);
      expect((await s.request('PATCH', path, { body: { payload: {} }, headers: MERGE_PATCH })).status).toBe(
        404,
      );
      expect((await s.request('DELETE', path)).status).toBe(404);
    }
  });

  test('when a payload is replaced, then version and updated_at move and user_id stays', async () => {
    const created = await create('replacer', { a: 1, b: 2 });
    const res = await s.request('PUT', `/data/${created.id}`, { body: { payload: { c: 3 } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, user_id: 'replacer', payload: { c: 3 }, version: 2 });
    expect(res.headers.get('etag')).toBe('"2"');
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect(res.body.created_at).toBe(created.created_at);
  });

  test('when PUT carries a user_id, then it is refused and nothing changes', async () => {
    const created = await create('owner', { a: 1 });
    const res = await s.request('PUT', `/data/${created.id}`, { body: { user_id: 'thief', payload: {} } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({
      location: 'body',
      pointer: '/user_id',
      detail: 'is not allowed',
    });
    expect((await s.request('GET', `/data/${created.id}`)).body).toEqual(created);
  });

  test('when If-Match is current, then the write wins; when stale, then 412 and nothing changes', async () => {
    const created = await create('conditional', { n: 1 });
    const ok = await s.request('PUT', `/data/${created.id}`, {
      body: { payload: { n: 2 } },
      headers: { 'if-match': '"1"' },
    });
    expect(ok.status).toBe(200);
    const stale = await s.request('PUT', `/data/${created.id}`, {
      body: { payload: { n: 3 } },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('DAPI-4121');
    const stalePatch = await s.request('PATCH', `/data/${created.id}`, {
      body: { payload: { n: 4 } },
      headers: { ...MERGE_PATCH, 'if-match': '"1"' },
    });
    expect(stalePatch.status).toBe(412);
    const staleDelete = await s.request('DELETE', `/data/${created.id}`, { headers: { 'if-match': '"1"' } });
    expect(staleDelete.status).toBe(412);
    const weak = await s.request('PUT', `/data/${created.id}`, {
      body: { payload: { n: 5 } },
      headers: { 'if-match': 'W/"2"' },
    });
    expect(weak.status).toBe(412);
    const now = await s.request('GET', `/data/${created.id}`);
    expect(now.body).toMatchObject({ payload: { n: 2 }, version: 2 });
    const listed = await s.request('PUT', `/data/${created.id}`, {
      body: { payload: { n: 6 } },
      headers: { 'if-match': '"9", "2"' },
    });
    expect(listed.status).toBe(200);
    const star = await s.request('PUT', `/data/${created.id}`, {
      body: { payload: { n: 7 } },
      headers: { 'if-match': '*' },
    });
    expect(star.body.version).toBe(4);
  });

  test('when a merge patch is applied, then members merge, nulls remove and objects recurse', async () => {
    const created = await create('patcher', {
      name: 'a',
      tags: ['x'],
      nested: { keep: 1, drop: 2 },
      gone: true,
    });
    const res = await s.request('PATCH', `/data/${created.id}`, {
      body: { payload: { name: 'b', nested: { drop: null, add: 3 }, gone: null, tags: ['y'] } },
      headers: MERGE_PATCH,
    });
    expect(res.status).toBe(200);
    expect(res.body.payload).toEqual({ name: 'b', tags: ['y'], nested: { keep: 1, add: 3 } });
    expect(res.body.version).toBe(2);
    const empty = await s.request('PATCH', `/data/${created.id}`, { body: {}, headers: MERGE_PATCH });
    expect(empty.status).toBe(200);
    expect(empty.body.version).toBe(2);
  });

  test('when PATCH is not a merge patch of payload, then 400 or 415 and nothing changes', async () => {
    const created = await create('patcher2', { a: 1 });
    const path = `/data/${created.id}`;
    const asJson = await s.request('PATCH', path, { body: { payload: { a: 2 } } });
    expect(asJson.status).toBe(415);
    expect(asJson.body.code).toBe('DAPI-4151');
    const nullPayload = await s.request('PATCH', path, { body: { payload: null }, headers: MERGE_PATCH });
    expect(nullPayload.status).toBe(400);
    const unknown = await s.request('PATCH', path, { body: { version: 9 }, headers: MERGE_PATCH });
    expect(unknown.status).toBe(400);
    expect((await s.request('GET', path)).body).toEqual(created);
  });

  test('when a record is deleted, then 204 and it is gone', async () => {
    const created = await create('deleter', {});
    const res = await s.request('DELETE', `/data/${created.id}`, { headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await s.request('GET', `/data/${created.id}`)).status).toBe(404);
    expect((await s.request('DELETE', `/data/${created.id}`)).status).toBe(404);
  });

  test('when records are created in bulk, then all come back in input order', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      user_id: i % 2 ? 'bulk-a' : 'bulk-b',
      payload: { i },
    }));
    const res = await s.request('POST', '/data/bulk', { body: { items } });
    expect(res.status).toBe(201);
    expect(res.body.items.map((r: { payload: { i: number } }) => r.payload.i)).toEqual(
      items.map((_, i) => i),
    );
    expect(new Set(res.body.items.map((r: { id: string }) => r.id)).size).toBe(50);
    const listed = await s.request('GET', '/data?user_id=bulk-a&limit=100');
    expect(listed.body.items).toHaveLength(25);
    // Newest first: the same created_at, so the later (larger) id comes first.
    expect(listed.body.items[0].payload.i).toBe(49);
  });

  test('when one bulk item is invalid, then 400 names it and nothing is written', async () => {
    const items = [
      { user_id: 'bulk-atomic', payload: { ok: 1 } },
      { user_id: 'bulk-atomic', payload: 'not an object' },
    ];
    const res = await s.request('POST', '/data/bulk', { body: { items } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({
      location: 'body',
      pointer: '/items/1/payload',
      detail: 'must be object',
    });
    const nul = await s.request('POST', '/data/bulk', {
      body: {
        items: [
          { user_id: 'bulk-atomic', payload: {} },
          { user_id: 'bulk-atomic', payload: { s: 'a\u0000' } },
        ],
      },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0].pointer).toBe('/items/1/payload/s');
    expect((await s.request('GET', '/data?user_id=bulk-atomic')).body.items).toEqual([]);
  });

  test('when a bulk request has more items than BULK_MAX_ITEMS or none, then 400', async () => {
    const items = Array.from({ length: 51 }, () => ({ user_id: 'bulk-limit', payload: {} }));
    const over = await s.request('POST', '/data/bulk', { body: { items } });
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('DAPI-4005');
    expect((await s.request('POST', '/data/bulk', { body: { items: [] } })).status).toBe(400);
    expect((await s.request('GET', '/data?user_id=bulk-limit')).body.items).toEqual([]);
  });

  test('when a user has records, then the list is newest first and pages follow the cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create('lister', { i })).id);
    await create('someone-else', {});
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await s.request('GET', `/data?user_id=lister&limit=3${q}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((r: { id: string }) => r.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const defaults = await s.request('GET', '/data?user_id=lister');
    expect(defaults.body.items).toHaveLength(7);
    expect(defaults.body.next_cursor).toBeNull();
  });

  test('when created_after and created_before are given, then only records inside come back', async () => {
    const first = await create('windowed', { n: 1 });
    await new Promise((r) => setTimeout(r, 15));
    const second = await create('windowed', { n: 2 });
    const after = await s.request('GET', `/data?user_id=windowed&created_after=${first.created_at}`);
    expect(after.body.items.map((r: { id: string }) => r.id)).toEqual([second.id]);
    const before = await s.request('GET', `/data?user_id=windowed&created_before=${second.created_at}`);
    expect(before.body.items.map((r: { id: string }) => r.id)).toEqual([first.id]);
  });

  test('when a cursor is altered, foreign, or used with other filters, then 400', async () => {
    for (let i = 0; i < 3; i++) await create('cursor-owner', { i });
    const page = await s.request('GET', '/data?user_id=cursor-owner&limit=1');
    const cursor: string = page.body.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const [data, sig] = cursor.split('.') as [string, string];
    const flipped = data.slice(0, -2) + (data.endsWith('A') ? 'B' : 'A') + data.slice(-1);
    for (const bad of [`${flipped}.${sig}`, `${data}.${sig.slice(1)}`, 'garbage', `${data}`]) {
      const res = await s.request('GET', `/data?user_id=cursor-owner&cursor=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('DAPI-4003');
    }
    const foreign = await s.request('GET', `/data?user_id=someone-else&cursor=${encodeURIComponent(cursor)}`);
    expect(foreign.status).toBe(400);
    const filtered = await s.request(
      'GET',
      `/data?user_id=cursor-owner&created_after=2000-01-01T00:00:00Z&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(filtered.status).toBe(400);
  });

  test('when a response is large and the client accepts gzip or br, then it is compressed', async () => {
    const big = { text: 'x'.repeat(5000) };
    const created = await create('compressed', big);
    for (const encoding of ['gzip', 'br']) {
      const res = await fetch(`${s.url}/data/${created.id}`, { headers: { 'accept-encoding': encoding } });
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(((await res.json()) as { payload: unknown }).payload).toEqual(big);
    }
    const small = await fetch(`${s.url}/health`, { headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers.get('content-encoding')).toBeNull();
  });
});
