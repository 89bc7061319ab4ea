/**
 * Walking a user's 2,500 records 100 at a time while new records keep arriving: every record
 * that existed when the walk began is seen exactly once, newest first.
 */
import { BACKENDS } from '../helpers/databases.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('pagination under concurrent inserts on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  test('when 2,500 records are walked with limit=100 during inserts, then no duplicates and no gaps', async () => {
    const existing: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const items = Array.from({ length: 500 }, (_, i) => ({ user_id: 'walker', payload: { batch, i } }));
      const res = await s.request('POST', '/data/bulk', { body: { items } });
      expect(res.status).toBe(201);
      existing.push(...res.body.items.map((r: { id: string }) => r.id));
    }

    let walking = true;
    let inserted = 0;
    const writer = (async () => {
      while (walking) {
        const res = await s.request('POST', '/data', {
          body: { user_id: 'walker', payload: { late: inserted } },
        });
        expect(res.status).toBe(201);
        inserted++;
      }
    })();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    try {
      do {
        const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await s.request('GET', `/data?user_id=walker&limit=100${q}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((r: { id: string }) => r.id));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor);
    } finally {
      walking = false;
      await writer;
    }

    expect(inserted).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    const before = new Set(existing);
    const walkedExisting = seen.filter((id) => before.has(id));
    // Newest first: the reverse of creation order (bulk order is id order).
    expect(walkedExisting).toEqual([...existing].reverse());
    // Records created after the walk began may appear only ahead of the first page's position.
    expect(seen.length - walkedExisting.length).toBeLessThanOrEqual(inserted);
    expect(pages).toBeGreaterThanOrEqual(25);
  }, 120_000);
});
