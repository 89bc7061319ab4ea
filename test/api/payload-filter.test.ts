/**
 * GET /data?payload_contains=... over real HTTP, on PGlite and PostgreSQL: jsonb @> semantics
 * (each case of test/helpers/containment-cases.ts, whose answers PostgreSQL itself confirms),
 * with limit, cursor, created_after and created_before; the cursor bound to its filter; the scan
 * window (a short one here, so pages come back short and the walk still meets every match once,
 * with records created while it walks); and the answers to bad filters.
 */
import { adminQuery, BACKENDS } from '../helpers/databases.js';
import { CONTAINMENT_CASES } from '../helpers/containment-cases.js';
import { startServer, type TestResponse, type TestServer } from '../helpers/server.js';

const q = (filter: unknown) =>
  encodeURIComponent(typeof filter === 'string' ? filter : JSON.stringify(filter));

describe('the cases, as PostgreSQL answers them', () => {
  test('when each case is asked of PostgreSQL as payload @> filter, then it answers what the table says', async () => {
    for (const c of CONTAINMENT_CASES) {
      const { rows } = await adminQuery('SELECT $1::jsonb @> $2::jsonb AS contains', [c.payload, c.filter]);
      expect([c.why, rows[0].contains]).toEqual([c.why, c.contains]);
    }
  });
});

describe.each(BACKENDS)('payload_contains on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    // A scan window of 7 rows: a few records are enough to reach its edges.
    s = await startServer(kind, {}, { tuning: { filterScanRows: 7 } });
  });
  afterAll(async () => {
    await s.close();
  });

  async function create(userId: string, payloadText: string): Promise<{ id: string; created_at: string }> {
    const res = await s.request('POST', '/data', {
      raw: `{"user_id":${JSON.stringify(userId)},"payload":${payloadText}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** Every page of a walk, following next_cursor to null. */
  async function walk(path: string): Promise<{ ids: string[]; pages: number; short: number }> {
    const ids: string[] = [];
    let pages = 0;
    let short = 0;
    let cursor: string | null = null;
    do {
      const res = await s.request('GET', `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      pages++;
      if (
        res.body.next_cursor !== null &&
        res.body.items.length < Number(/limit=(\d+)/.exec(path)?.[1] ?? 20)
      )
        short++;
      ids.push(...res.body.items.map((r: { id: string }) => r.id));
      cursor = res.body.next_cursor;
    } while (cursor !== null && pages < 1000);
    return { ids, pages, short };
  }

  test('when each case is stored and filtered over HTTP, then the record comes back exactly when it contains the filter', async () => {
    for (const [i, c] of CONTAINMENT_CASES.entries()) {
      const user = `case-${i}`;
      const created = await create(user, c.payload);
      const res = await s.request('GET', `/data?user_id=${user}&payload_contains=${q(c.filter)}`);
      expect([c.why, res.status]).toEqual([c.why, 200]);
      expect([c.why, res.body.items.map((r: { id: string }) => r.id)]).toEqual([
        c.why,
        c.contains ? [created.id] : [],
      ]);
      expect(res.headers.get('x-cache')).toBe('miss');
    }
  });

  test('when a filtered page is read right after a write, then it shows the write (filtered pages are not cached)', async () => {
    const user = 'fresh';
    await create(user, '{"s":"on"}');
    const path = `/data?user_id=${user}&payload_contains=${q({ s: 'on' })}`;
    expect((await s.request('GET', path)).body.items).toHaveLength(1);
    const second = await create(user, '{"s":"on"}');
    const again = await s.request('GET', path);
    expect(again.headers.get('x-cache')).toBe('miss');
    expect(again.body.items[0].id).toBe(second.id);
    await s.request('DELETE', `/data/${second.id}`);
    expect((await s.request('GET', path)).body.items).toHaveLength(1);
  });

  test('when a user has sparse matches, then the walk through short pages meets each match once, newest first', async () => {
    const user = 'sparse';
    const matches: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await create(user, `{"i":${i},"kind":"${i % 9 === 0 ? 'hit' : 'miss'}"}`);
      if (i % 9 === 0) matches.unshift(r.id);
    }
    const { ids, pages, short } = await walk(
      `/data?user_id=${user}&limit=3&payload_contains=${q({ kind: 'hit' })}`,
    );
    expect(ids).toEqual(matches);
    // 40 rows through a window of 7: at least 6 statements' worth of pages, some short.
    expect(pages).toBeGreaterThanOrEqual(6);
    expect(short).toBeGreaterThan(0);
  });

  test('when records are created between the pages of a filtered walk, then it has no duplicate and no gap', async () => {
    const user = 'walker';
    const before: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await create(user, `{"i":${i},"even":${i % 2 === 0}}`);
      if (i % 2 === 0) before.unshift(r.id);
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    let n = 100;
    do {
      const path = `/data?user_id=${user}&limit=2&payload_contains=${q({ even: true })}`;
      // Writers race the reader: matching and other records, created as the page is read.
      const [res]: [TestResponse, ...unknown[]] = await Promise.all([
        s.request('GET', `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
        create(user, `{"i":${n++},"even":true}`),
        create(user, `{"i":${n++},"even":false}`),
      ]);
      ids.push(...res.body.items.map((r: { id: string }) => r.id));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    // The first page may have seen records created while it was read; below it, only those older.
    const newer = ids.filter((id) => !before.includes(id));
    expect(ids.filter((id) => before.includes(id))).toEqual(before);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newer.length).toBeLessThanOrEqual(2);
  });

  test('when a filter combines with created_after, created_before and limit, then the page holds only records inside all of them', async () => {
    const user = 'bounded';
    const made = [];
    for (let i = 0; i < 12; i++) {
      made.push(await create(user, `{"i":${i},"t":"x"}`));
      await new Promise((r) => setTimeout(r, 3));
    }
    const after = made[2]!.created_at;
    const before = made[9]!.created_at;
    const expected = made
      .filter((r) => r.created_at > after && r.created_at < before)
      .map((r) => r.id)
      .reverse();
    const { ids } = await walk(
      `/data?user_id=${user}&limit=2&created_after=${after}&created_before=${before}&payload_contains=${q({ t: 'x' })}`,
    );
    expect(ids).toEqual(expected);
  });

  test('when a cursor is used with another filter, then 400 invalid-cursor; the same filter written otherwise takes it', async () => {
    const user = 'cursors';
    for (let i = 0; i < 6; i++) await create(user, `{"a":1,"b":${i % 2},"n":100}`);
    const first = await s.request(
      'GET',
      `/data?user_id=${user}&limit=2&payload_contains=${q('{"a":1,"n":1e2}')}`,
    );
    const cursor = encodeURIComponent(first.body.next_cursor as string);
    expect(first.body.next_cursor).not.toBeNull();
    // Member order, whitespace, escapes and the exponent's spelling make the same filter.
    for (const same of ['{ "n" : 100 , "a":1 }', '{"\\u0061":1,"n":1E+2}']) {
      const res = await s.request(
        'GET',
        `/data?user_id=${user}&limit=2&cursor=${cursor}&payload_contains=${q(same)}`,
      );
      expect([same, res.status]).toEqual([same, 200]);
    }
    for (const other of ['{"a":1}', '{"a":1,"n":100.0}', '{"a":1,"n":100,"b":0}']) {
      const res = await s.request(
        'GET',
        `/data?user_id=${user}&limit=2&cursor=${cursor}&payload_contains=${q(other)}`,
      );
      expect([other, res.status, res.body.code]).toEqual([other, 400, 'DAPI-4003']);
    }
    // A cursor of the unfiltered list is not one of a filtered list, nor the other way round.
    const plain = await s.request('GET', `/data?user_id=${user}&limit=2`);
    const plainCursor = encodeURIComponent(plain.body.next_cursor as string);
    expect(
      (
        await s.request(
          'GET',
          `/data?user_id=${user}&limit=2&cursor=${plainCursor}&payload_contains=${q({ a: 1 })}`,
        )
      ).status,
    ).toBe(400);
    expect((await s.request('GET', `/data?user_id=${user}&limit=2&cursor=${cursor}`)).status).toBe(400);
  });

  test.each([
    ['not JSON', 'DAPI-4002', '{a:1}'],
    ['truncated JSON', 'DAPI-4002', '{"a":'],
    ['a member named twice', 'DAPI-4002', '{"a":1,"a":2}'],
    ['an array', 'DAPI-4001', '[{"a":1}]'],
    ['a string', 'DAPI-4001', '"a"'],
    ['a number', 'DAPI-4001', '12'],
    ['null', 'DAPI-4001', 'null'],
    ['nesting past JSON_MAX_DEPTH', 'DAPI-4004', `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`],
    ['over 2,048 characters', 'DAPI-4001', JSON.stringify({ a: 'x'.repeat(2100) })],
    ['a number beyond a double', 'DAPI-4004', '{"n":1e400}'],
    ['a number too small for a double', 'DAPI-4004', '{"n":1e-400}'],
    ['a string with U+0000', 'DAPI-4004', '{"s":"\\u0000"}'],
    ['a lone surrogate', 'DAPI-4004', '{"s":"\\ud800"}'],
    ['empty', 'DAPI-4001', ''],
  ])(
    'when payload_contains is %s, then 400 %s, a problem and never a SQL error',
    async (_what, code, filter) => {
      const res = await s.request('GET', `/data?user_id=u&payload_contains=${q(filter)}`);
      expect([res.status, res.body.code]).toEqual([400, code]);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.text).not.toMatch(/jsonb|syntax|SQL|select/i);
    },
  );

  test('when payload_contains is at the limits, then it is taken: 2,048 characters, 32 levels', async () => {
    const long = JSON.stringify({ a: 'x'.repeat(2048 - 8) });
    expect(long).toHaveLength(2048);
    expect((await s.request('GET', `/data?user_id=u&payload_contains=${q(long)}`)).status).toBe(200);
    const deep = `${'{"a":'.repeat(32)}1${'}'.repeat(32)}`;
    expect((await s.request('GET', `/data?user_id=u&payload_contains=${q(deep)}`)).status).toBe(200);
  });
});
