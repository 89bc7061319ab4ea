/** Concurrent conditional writes over HTTP: one winner per version, no lost merge patches. */
import { BACKENDS } from '../helpers/databases.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('concurrent writes on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  test('when two PUTs carry the same If-Match, then one answers 200 and the other 412', async () => {
    for (let round = 0; round < 10; round++) {
      const created = await s.request('POST', '/data', { body: { user_id: 'racer', payload: { round } } });
      const put = (who: string) =>
        s.request('PUT', `/data/${created.body.id}`, {
          body: { payload: { who } },
          headers: { 'if-match': '"1"' },
        });
      const results = await Promise.all([put('a'), put('b')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!;
      const now = await s.request('GET', `/data/${created.body.id}`);
      expect(now.body).toMatchObject({ version: 2, payload: winner.body.payload });
    }
  });

  test('when 10 merge patches without If-Match race, then no acknowledged patch is lost', async () => {
    const created = await s.request('POST', '/data', { body: { user_id: 'merger', payload: {} } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        s.request('PATCH', `/data/${created.body.id}`, {
          body: { payload: { [`k${i}`]: i } },
          headers: { 'content-type': 'application/merge-patch+json' },
        }),
      ),
    );
    // A patch that loses the race five times in a row answers 409; every other one lands.
    const landed = results.filter((r) => r.status === 200).length;
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const now = await s.request('GET', `/data/${created.body.id}`);
    expect(now.body.version).toBe(1 + landed);
    expect(Object.keys(now.body.payload)).toHaveLength(landed);
    expect(landed).toBeGreaterThanOrEqual(5);
  });
});
