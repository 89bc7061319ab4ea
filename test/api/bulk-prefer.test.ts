/**
 * A bulk create with `Prefer: return=minimal` (RFC 7240) over real HTTP, on the embedded PGlite
 * (a set-based INSERT) and on the PostgreSQL server (COPY in the request's transaction): the
 * answer holds the ids and the count, the records are created exactly as without the
 * preference, all or nothing, an Idempotency-Key replays the minimal answer, and every clause of
 * the header's syntax this service reads. Each response is checked against the contract.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Redis } from 'ioredis';
import { eventFromFields } from '../../src/events/change-events.js';
import { BACKENDS } from '../helpers/databases.js';
import { startServer, type TestServer } from '../helpers/server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.each(BACKENDS)('bulk create with Prefer on %s', (kind) => {
  const prefix = `test-prefer-${randomBytes(4).toString('hex')}:`;
  let s: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    s = await startServer(kind, { BULK_MAX_ITEMS: '500', REDIS_URL, REDIS_KEY_PREFIX: prefix });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await s.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const items = (userId: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ user_id: userId, payload: { i, big: 18446744073709551615n } }));
  /** A body with a 64-bit number a double would round: the stored text must keep it. */
  const raw = (userId: string, n: number) =>
    JSON.stringify({ items: items(userId, n) }, (_k, v: unknown) =>
      typeof v === 'bigint' ? JSON.rawJSON(String(v)) : v,
    );
  const bulk = (body: string, headers: Record<string, string> = {}) =>
    s.request('POST', '/data/bulk', {
      raw: body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const list = async (userId: string) =>
    (await s.request('GET', `/data?user_id=${userId}&limit=1000`)).body.items as { id: string }[];

  test('when a bulk create prefers return=minimal, then 201 holds the ids in input order and their count, and the records are as without it', async () => {
    const res = await bulk(raw('min-a', 300), { prefer: 'return=minimal' });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBe('return=minimal');
    expect(res.headers.get('vary')).toMatch(/\bPrefer\b/);
    expect(Object.keys(res.body)).toEqual(['count', 'ids']);
    expect(res.body.count).toBe(300);
    expect(res.body.ids).toHaveLength(300);
    // Input order is id order (UUIDv7 made in order), and the list is newest first.
    expect([...res.body.ids].sort()).toEqual(res.body.ids);
    expect((await list('min-a')).map((r) => r.id)).toEqual([...res.body.ids].reverse());
    for (const [i, id] of [0, 150, 299].map((n) => [n, res.body.ids[n]] as const)) {
      const got = await s.request('GET', `/data/${id}`);
      expect(got.status).toBe(200);
      expect(got.text).toContain(`"payload":{"i":${i},"big":18446744073709551615}`);
      expect(got.body).toMatchObject({ id, user_id: 'min-a', version: 1 });
      expect(got.body.created_at).toBe(got.body.updated_at);
    }
    const plain = await bulk(raw('min-b', 3));
    expect(plain.status).toBe(201);
    expect(plain.headers.get('preference-applied')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/\bPrefer\b/);
    expect(plain.body.items.map((r: { payload: { i: number } }) => r.payload.i)).toEqual([0, 1, 2]);
  });

  test('when return=minimal is asked, then one data.created event per record, version 1, at its created_at', async () => {
    const stream = `${prefix}{events}:data`;
    const before = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const res = await bulk(raw('min-ev', 4), { prefer: 'return=minimal' });
    const entries = await redis.xrange(stream, `(${before}`, '+');
    const events = entries.map(([, fields]) => eventFromFields(fields));
    expect(events.map((e) => e?.id)).toEqual(res.body.ids);
    const created = (await s.request('GET', `/data/${res.body.ids[0]}`)).body.created_at;
    expect(events.every((e) => e?.type === 'data.created' && e.version === 1 && e.time === created)).toBe(
      true,
    );
  });

  test('when an item in the middle is invalid, then 400 names it and nothing is written, minimal or not', async () => {
    for (const prefer of ['return=minimal', 'return=representation']) {
      const user = `min-bad-${prefer.length}`;
      const body = items(user, 9).map((item, i) => (i === 4 ? { ...item, payload: 'not an object' } : item));
      const res = await bulk(
        JSON.stringify({ items: body }, (_k, v: unknown) => (typeof v === 'bigint' ? 1 : v)),
        {
          prefer,
        },
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('/items/4/payload');
      expect(await list(user)).toEqual([]);
    }
  });

  test('when a minimal bulk create is retried with its Idempotency-Key, then the minimal answer is replayed whatever the retry prefers', async () => {
    const body = raw('min-idem', 5);
    const key = { 'idempotency-key': `min-${kind}` };
    const first = await bulk(body, { ...key, prefer: 'return=minimal' });
    expect(first.status).toBe(201);
    for (const prefer of ['return=minimal', 'return=representation', '']) {
      const again = await bulk(body, { ...key, ...(prefer && { prefer }) });
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('preference-applied')).toBe('return=minimal');
    }
    expect(await list('min-idem')).toHaveLength(5);
  });

  test.each([
    ['return=minimal', 'return=minimal'],
    ['RETURN=minimal', 'return=minimal'],
    ['return = minimal', 'return=minimal'],
    ['return="minimal"', 'return=minimal'],
    ['return=minimal; foo=bar', 'return=minimal'],
    ['respond-async, wait=10, return=minimal', 'return=minimal'],
    ['return=minimal, return=representation', 'return=minimal'],
    ['return=representation, return=minimal', 'return=representation'],
    ['return=representation', 'return=representation'],
    ['return=Minimal', null],
    ['return=', null],
    ['return', null],
    ['=minimal', null],
    ['return="minimal', null],
    ['foo="a, return=minimal"', null],
    ['handling=strict', null],
    ['\u00e9=1, return=minimal', 'return=minimal'],
  ])('when Prefer is %j, then the answer applies %j and never fails', async (prefer, applied) => {
    const res = await bulk(raw('min-syntax', 1), { prefer });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBe(applied);
    expect('ids' in res.body).toBe(applied === 'return=minimal');
  });

  test('when Prefer comes on two header lines, then they are one list', async () => {
    const url = new URL(s.url);
    const body = raw('min-lines', 2);
    const answer = await new Promise<{ status: number; applied: unknown; text: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: '/data/bulk', method: 'POST' },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, applied: res.headers['preference-applied'], text }),
            );
          },
        );
        req.on('error', reject);
        req.setHeader('content-type', 'application/json');
        req.setHeader('Prefer', ['respond-async', 'return=minimal']);
        req.end(body);
      },
    );
    expect(answer.status).toBe(201);
    expect(answer.applied).toBe('return=minimal');
    expect(JSON.parse(answer.text).count).toBe(2);
  });
});
