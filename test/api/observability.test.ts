/** What operators see: one log line per request, an audit line per write, and the metrics. */
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { metricValue, startServerOn, type TestServer } from '../helpers/server.js';

describe('logs and metrics', () => {
  let t: TestDatabase;
  let s: TestServer;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    t = await openTestDatabase('postgres');
    s = await startServerOn(t.db, {}, lines);
  });
  afterAll(async () => {
    await s.close();
    await t.drop();
  });

  test('when a request is answered, then one log line names its route template, status and request id', async () => {
    const created = await s.request('POST', '/data', {
      body: { user_id: 'logged', payload: { secret: 'p4ss' } },
    });
    await s.request('GET', `/data/${created.body.id}`, { headers: { 'x-request-id': 'req-42' } });
    const line = lines.find((l) => l.msg === 'request' && l.request_id === 'req-42');
    expect(line).toMatchObject({ method: 'GET', route: '/data/{id}', status: 200, level: 30 });
    expect(typeof line?.duration_ms).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('p4ss');
  });

  test('when records are written, then each write has an audit line without the payload', async () => {
    const created = await s.request('POST', '/data', {
      body: { user_id: 'audited', payload: { secret: 'hunter2' } },
    });
    await s.request('PUT', `/data/${created.body.id}`, {
      body: { payload: { secret: 'hunter3' } },
      headers: { 'if-match': '"9"' },
    });
    await s.request('DELETE', `/data/${created.body.id}`);
    const bulk = await s.request('POST', '/data/bulk', {
      body: {
        items: [
          { user_id: 'audited', payload: {} },
          { user_id: 'other', payload: {} },
        ],
      },
    });
    const audits = lines.filter((l) => l.audit === true);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: 'createRecord',
          record_ids: [created.body.id],
          user_ids: ['audited'],
          status: 201,
          outcome: 'success',
        }),
        expect.objectContaining({
          operation: 'replaceRecord',
          record_ids: [created.body.id],
          status: 412,
          outcome: 'failure',
        }),
        expect.objectContaining({
          operation: 'deleteRecord',
          record_ids: [created.body.id],
          user_ids: ['audited'],
          status: 204,
        }),
        expect.objectContaining({
          operation: 'bulkCreateRecords',
          record_ids: bulk.body.items.map((r: { id: string }) => r.id),
          user_ids: ['audited', 'other'],
        }),
      ]),
    );
    // AUTH_MODE=none in this suite: the actor is the development caller (test/api/auth.test.ts has real ones).
    expect(new Set(audits.map((a) => a.actor))).toEqual(new Set(['none:developer']));
    expect(JSON.stringify(lines)).not.toMatch(/hunter/);
  });

  test('when /metrics is scraped, then requests, records created, users and the pool are there', async () => {
    const text = (await s.request('GET', '/metrics')).text;
    expect(text).toMatch(
      /^request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/data",status="201"\} \d+$/m,
    );
    expect(
      await metricValue(s, 'requests_total{method="GET",route="/data/{id}",status="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(await metricValue(s, 'data_records_created_total')).toBe(4);
    expect(await metricValue(s, 'unique_users_active')).toBe(3);
    expect(await metricValue(s, 'db_pool_connections{state="max"}')).toBe(10);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toMatch(/route="\/data\/[0-9a-f]{8}-/);
  });

  test('when a record is written through its id in upper case, then every audit line names it in lower case', async () => {
    const created = await s.request('POST', '/data', { body: { user_id: 'audited-case', payload: {} } });
    const id = created.body.id as string;
    const upper = id.toUpperCase();
    const put = await s.request('PUT', `/data/${upper}`, { body: { payload: { n: 2 } } });
    const refused = await s.request('PUT', `/data/${upper}`, {
      body: { payload: { n: 3 } },
      headers: { 'if-match': '"9"' },
    });
    const deleted = await s.request('DELETE', `/data/${upper}`);
    expect([put.status, refused.status, deleted.status]).toEqual([200, 412, 204]);
    const mine = lines.filter(
      (l) =>
        l.audit === true &&
        JSON.stringify(l.record_ids ?? [])
          .toLowerCase()
          .includes(id),
    );
    expect(mine.map((l) => [l.operation, l.status, l.record_ids])).toEqual([
      ['createRecord', 201, [id]],
      ['replaceRecord', 200, [id]],
      ['replaceRecord', 412, [id]],
      ['deleteRecord', 204, [id]],
    ]);
  });

  test('when a concrete path refuses a method, then the 405 is labelled with that path, not the template it resembles', async () => {
    const res = await s.request('GET', '/data/bulk', { headers: { 'x-request-id': 'bulk-405' } });
    expect(res.status).toBe(405);
    const line = lines.find((l) => l.msg === 'request' && l.request_id === 'bulk-405');
    expect(line).toMatchObject({ method: 'GET', route: '/data/bulk', status: 405 });
    expect(
      await metricValue(s, 'requests_total{method="GET",route="/data/bulk",status="405"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(await metricValue(s, 'requests_total{method="GET",route="/data/{id}",status="405"}')).toBe(0);
  });
});
