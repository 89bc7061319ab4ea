/**
 * DELETE /data?user_id= over real HTTP: on PGlite, on PostgreSQL, and on PostgreSQL with Redis
 * (the cache's two levels and the change events): every record goes, in batches of a short
 * statement each; a second call deletes nothing; no user_id is a 400, never "everything"; every
 * cached record and first page is gone afterwards; one user.erased event; an audit line with the
 * count; Idempotency-Key as on creates; who may erase.
 */
import { randomBytes, createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestServer } from '../helpers/server.js';
import { watched, type WatchedDatabase } from '../helpers/watched-database.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const setups = [
  { name: 'pglite', kind: 'pglite' as const, redis: false },
  { name: 'postgres', kind: 'postgres' as const, redis: false },
  { name: 'postgres with redis', kind: 'postgres' as const, redis: true },
];

describe.each(setups)('DELETE /data?user_id= on $name', ({ kind, redis }) => {
  let t: TestDatabase;
  let w: WatchedDatabase;
  let s: TestServer;
  const logs: Record<string, unknown>[] = [];
  const prefix = `test-erase-${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    w = watched(t.db);
    const env: Record<string, string> = redis ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {};
    // Batches of 7 records: 30 records take five.
    s = await startServerOn(w.db, env, logs, { eraseBatchRows: 7 });
  });
  afterAll(async () => {
    await s.close();
    if (redis) {
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}*`);
      if (keys.length > 0) await r.del(...keys);
      r.disconnect();
    }
    await t.drop();
  });

  async function fill(userId: string, n: number): Promise<string[]> {
    const items = Array.from({ length: n }, (_, i) => ({ user_id: userId, payload: { i } }));
    const res = await s.request('POST', '/data/bulk', { body: { items } });
    expect(res.status).toBe(201);
    return res.body.items.map((r: { id: string }) => r.id);
  }

  test('when a user is erased, then every record goes in batches, the answer counts them, and a second call deletes none', async () => {
    const ids = await fill('erased-1', 30);
    const kept = await fill('kept-1', 5);
    const batches = w.runs('eraseRecords');
    const res = await s.request('DELETE', '/data?user_id=erased-1');
    expect([res.status, res.body]).toEqual([200, { user_id: 'erased-1', deleted: 30 }]);
    // ceil(30 / 7) = 5 batches, then one look from the top that finds nothing.
    expect(w.runs('eraseRecords') - batches).toBe(6);
    for (const id of ids) expect((await s.request('GET', `/data/${id}`)).status).toBe(404);
    expect((await s.request('GET', '/data?user_id=erased-1')).body).toEqual({ items: [], next_cursor: null });
    expect((await s.request('GET', '/data/export?user_id=erased-1')).text).toBe('');
    const again = await s.request('DELETE', '/data?user_id=erased-1');
    expect([again.status, again.body]).toEqual([200, { user_id: 'erased-1', deleted: 0 }]);
    for (const id of kept) expect((await s.request('GET', `/data/${id}`)).status).toBe(200);
  });

  test('when every record and the first page were read first (both cache levels), then none of them is served after the erase', async () => {
    const ids = await fill('cached-1', 20);
    for (let round = 0; round < 2; round++) {
      for (const id of ids) expect((await s.request('GET', `/data/${id}`)).status).toBe(200);
      expect((await s.request('GET', '/data?user_id=cached-1')).body.items).toHaveLength(20);
    }
    expect((await s.request('DELETE', '/data?user_id=cached-1')).body.deleted).toBe(20);
    for (const id of ids) {
      for (const read of [1, 2])
        expect([id, read, (await s.request('GET', `/data/${id}`)).status]).toEqual([id, read, 404]);
    }
    const page = await s.request('GET', '/data?user_id=cached-1');
    expect(page.body.items).toEqual([]);
  });

  test('when user_id is missing or malformed, then 400 and nothing is deleted', async () => {
    const ids = await fill('survivor', 3);
    for (const path of [
      '/data',
      '/data?user_id=',
      '/data?user_id=a%20b',
      '/data?user_id=x&user_id=y',
      '/data?id=1',
    ]) {
      const res = await s.request('DELETE', path);
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'DAPI-4001']);
    }
    for (const id of ids) expect((await s.request('GET', `/data/${id}`)).status).toBe(200);
  });

  test('when the erase is over, then its audit line names the caller, the user and the count', async () => {
    await fill('audited', 9);
    logs.length = 0;
    await s.request('DELETE', '/data?user_id=audited', { headers: { 'x-request-id': 'erase-audit' } });
    expect(logs.find((l) => l.audit === true && l.request_id === 'erase-audit')).toMatchObject({
      actor: 'none:developer',
      operation: 'eraseUserRecords',
      user_ids: ['audited'],
      records_deleted: 9,
      status: 200,
      outcome: 'success',
    });
  });

  test('when an erase carries an Idempotency-Key, then a retry replays its answer and deletes nothing new; the key with another user is 422', async () => {
    await fill('keyed', 4);
    const key = { 'idempotency-key': `erase-${randomBytes(4).toString('hex')}` };
    const first = await s.request('DELETE', '/data?user_id=keyed', { headers: key });
    expect(first.body).toEqual({ user_id: 'keyed', deleted: 4 });
    const later = await fill('keyed', 2);
    const replay = await s.request('DELETE', '/data?user_id=keyed', { headers: key });
    expect([replay.status, replay.body, replay.headers.get('idempotent-replayed')]).toEqual([
      200,
      { user_id: 'keyed', deleted: 4 },
      'true',
    ]);
    for (const id of later) expect((await s.request('GET', `/data/${id}`)).status).toBe(200);
    const other = await s.request('DELETE', '/data?user_id=someone-else', { headers: key });
    expect([other.status, other.body.code]).toEqual([422, 'DAPI-4221']);
    // A fresh key runs the erase again.
    const fresh = await s.request('DELETE', '/data?user_id=keyed', {
      headers: { 'idempotency-key': `${key['idempotency-key']}-2` },
    });
    expect(fresh.body).toEqual({ user_id: 'keyed', deleted: 2 });
  });

  if (redis) {
    test('when a user is erased, then one user.erased event carries the count, and no data.deleted per record', async () => {
      await fill('evented', 11);
      const r = new Redis(REDIS_URL);
      try {
        const stream = `${prefix}{events}:data`;
        const last = (await r.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
        await s.request('DELETE', '/data?user_id=evented');
        const entries = (await r.xrange(stream, `(${last}`, '+')).map(([, f]) =>
          Object.fromEntries(f.flatMap((x, i) => (i % 2 === 0 ? [[x, f[i + 1]]] : []))),
        );
        expect(entries).toEqual([
          { type: 'user.erased', user_id: 'evented', deleted: '11', time: expect.any(String) },
        ]);
      } finally {
        r.disconnect();
      }
    });

    test("when an erase runs, then L2 holds a deletion only where it held the record, and refuses the user's bytes for a while", async () => {
      const ids = await fill('quiet', 10);
      const r = new Redis(REDIS_URL);
      try {
        // Creates write their records through to L2; half of them expire (deleted here).
        const entry = async (id: string) => (await r.keys(`${prefix}*r:${id}`))[0]!;
        for (const id of ids.slice(5)) expect(await r.del(await entry(id))).toBe(1);
        await s.request('DELETE', '/data?user_id=quiet');
        const keys = await r.keys(`${prefix}*r:*`);
        const held = new Map<string, string>();
        for (const k of keys) held.set(k.slice(k.indexOf('r:') + 2), (await r.get(k)) ?? '');
        // The five L2 held have a deletion of version 1 (rank 3); the five it did not, nothing.
        expect(ids.slice(0, 5).map((id) => held.get(id))).toEqual(Array(5).fill('3\n'));
        expect(ids.slice(5).map((id) => held.get(id))).toEqual(Array(5).fill(undefined));
        // The user's quiet keys: one per key group, for a tombstone's life.
        const quiet = await r.keys(`${prefix}{c:*}q:quiet`);
        expect(quiet).toHaveLength(16);
        expect(await r.ttl(quiet[0]!)).toBeGreaterThan(50);
      } finally {
        r.disconnect();
      }
      // A record of the user created now is kept in L2 as its version alone (served from the
      // database), while another user's gets its bytes.
      const mine = await s.request('POST', '/data', { body: { user_id: 'quiet', payload: { back: true } } });
      const theirs = await s.request('POST', '/data', { body: { user_id: 'loud', payload: { n: 1 } } });
      expect((await s.request('GET', `/data/${mine.body.id}`)).body).toEqual(mine.body);
      const r2 = new Redis(REDIS_URL);
      try {
        const value = async (id: string) => r2.get((await r2.keys(`${prefix}*r:${id}`))[0]!);
        expect(await value(mine.body.id)).toBe('2\n');
        expect(await value(theirs.body.id)).toBe(`2\nloud\n${JSON.stringify(theirs.body)}`);
      } finally {
        r2.disconnect();
      }
    });
  }
});

describe('who may erase (authentication on)', () => {
  const SECRET = 'test-only-hs256-secret-0123456789abcdef';
  const API_KEY = 'dak_7Qm2vX9pL4sN8wR1tY6uB3eH5jK0cZfG';
  let t: TestDatabase;
  let s: TestServer;
  const bearer = async (sub: string, scope: string) => ({
    authorization: `Bearer ${await new SignJWT({ scope })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer('data-api')
      .setAudience('data-api')
      .setSubject(sub)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET))}`,
  });
  beforeAll(async () => {
    t = await openTestDatabase('postgres');
    s = await startServerOn(t.db, {
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: JSON.stringify([
        { sha256: createHash('sha256').update(API_KEY).digest('hex'), subject: 'bob', scopes: ['data:read'] },
      ]),
    });
  });
  afterAll(async () => {
    await s.close();
    await t.drop();
  });

  test('when callers erase, then data:write reaches its own user only, data:admin any, reading scopes and no credentials none', async () => {
    const admin = await bearer('ops', 'data:admin');
    const fill = async (user: string) => {
      const items = Array.from({ length: 3 }, (_, i) => ({ user_id: user, payload: { i } }));
      expect((await s.request('POST', '/data/bulk', { body: { items }, headers: admin })).status).toBe(201);
    };
    const cases: [string, Record<string, string>, string, number][] = [
      ['alice for bob', await bearer('alice', 'data:read data:write'), 'bob', 403],
      ['alice with data:read only', await bearer('alice', 'data:read'), 'alice', 403],
      ['bob by a read-only API key', { 'x-api-key': API_KEY }, 'bob', 403],
      ['no credentials', {}, 'alice', 401],
      ['alice with data:write', await bearer('alice', 'data:write'), 'alice', 200],
      ['an admin for bob', admin, 'bob', 200],
    ];
    await fill('alice');
    await fill('bob');
    for (const [who, headers, user, status] of cases) {
      const before = (await s.request('GET', `/data?user_id=${user}`, { headers: admin })).body.items.length;
      const res = await s.request('DELETE', `/data?user_id=${user}`, { headers });
      const after = (await s.request('GET', `/data?user_id=${user}`, { headers: admin })).body.items.length;
      expect([who, res.status, status === 200 ? res.body.deleted : before - after]).toEqual([
        who,
        status,
        status === 200 ? before : 0,
      ]);
    }
  });
});
