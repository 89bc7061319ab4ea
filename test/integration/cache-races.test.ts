/**
 * The cache's promise under adversarial use, on two instances sharing PostgreSQL and Redis (cache
 * on), with a third instance on the same database and CACHE_ENABLED=false as the truth: after the
 * writes of a round have been answered, every read through either instance says what the truth
 * says. The rounds race writers against each other and against readers that fill both levels, on
 * both instances, and name records by their id in either letter case (docs/caching.md).
 *
 * The two cached instances are processes of the built server (`make test` builds dist/ first):
 * in one process they would share one event loop, which orders their work far more than two
 * servers' is, and the races this file is about would hardly ever happen.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestServer } from '../helpers/server.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One of the cached instances, over HTTP. */
interface Instance {
  url: string;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<Answer>;
}

function over(p: ServerProcess): Instance {
  return {
    url: p.url,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(p.url + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await res.text();
      const json = text !== '' && /json/.test(res.headers.get('content-type') ?? '');
      return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : undefined };
    },
  };
}

let t: TestDatabase;
let processes: ServerProcess[];
let a: Instance;
let b: Instance;
let truth: TestServer;
let redis: Redis;
const prefix = `test-races-${randomBytes(4).toString('hex')}:`;

beforeAll(async () => {
  t = await openTestDatabase('postgres');
  // One cursor secret, as production requires: a cached page carries the cursor its filler signed.
  const cursor = { CURSOR_SECRET: randomBytes(24).toString('hex') };
  processes = await Promise.all(
    [0, 1].map(() =>
      startServerProcess({
        ...t.env,
        ...cursor,
        MIGRATE_ON_START: 'false',
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        // L1 lives a minute: a stale entry left by a race would still be there when the round checks.
        CACHE_L1_TTL_MS: '60000',
      }),
    ),
  );
  [a, b] = processes.map(over) as [Instance, Instance];
  truth = await startServerOn(t.db, { ...cursor, CACHE_ENABLED: 'false' });
  redis = new Redis(REDIS_URL);
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await truth.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await t.drop();
});

const both = () => [a, b];
const pick = (i: number) => (i % 2 === 0 ? a : b);

/** What an answer says about a record: its status and, when found, its JSON. */
function said(res: { status: number; body?: unknown }): { status: number; body?: unknown } {
  return res.status === 200 ? { status: 200, body: res.body } : { status: res.status };
}

/** Reads the record through each instance twice (the second from L1 when cached) and compares with the truth. */
async function expectTruth(path: string, round: number): Promise<void> {
  const expected = said(await truth.request('GET', path));
  for (const s of both()) {
    for (let read = 0; read < 2; read++) {
      const got = await s.request('GET', path);
      expect({ round, path, via: s.url, read, ...said(got) }).toEqual({
        round,
        path,
        via: s.url,
        read,
        ...expected,
      });
    }
  }
}

async function create(userId: string, payload: object = {}): Promise<string> {
  const res = await a.request('POST', '/data', { body: { user_id: userId, payload } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('one record, named in either letter case', () => {
  test('when a record is deleted through its upper-case id, then no instance serves it under the lower-case id', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await create('alias-del', { round });
      // Both levels of both instances hold it under the one key.
      for (const s of both()) expect((await s.request('GET', `/data/${id}`)).status).toBe(200);
      const deleted = await pick(round).request('DELETE', `/data/${id.toUpperCase()}`);
      expect(deleted.status).toBe(204);
      await expectTruth(`/data/${id}`, round);
      await expectTruth(`/data/${id.toUpperCase()}`, round);
      expect((await truth.request('GET', `/data/${id}`)).status).toBe(404);
    }
  });

  test('when a record is read through its upper-case id and then changed through the lower-case one, then the upper-case read is the new version', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await create('alias-put', { round });
      const upper = id.toUpperCase();
      for (const s of both()) expect((await s.request('GET', `/data/${upper}`)).body.version).toBe(1);
      const put = await pick(round + 1).request('PUT', `/data/${id}`, { body: { payload: { round, n: 2 } } });
      expect(put.status).toBe(200);
      await expectTruth(`/data/${upper}`, round);
      await expectTruth(`/data/${id}`, round);
      const patched = await pick(round).request('PATCH', `/data/${upper}`, {
        body: { payload: { n: 3 } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.body).toMatchObject({ id, version: 3 });
      await expectTruth(`/data/${id}`, round);
      await pick(round + 1).request('DELETE', `/data/${id}`);
      await expectTruth(`/data/${upper}`, round);
    }
  });

  test('when an id is sent in upper case, then answers, Location and the change events name it in lower case', async () => {
    const created = await a.request('POST', '/data', { body: { user_id: 'alias-ev', payload: { n: 1 } } });
    const id = created.body.id as string;
    expect(id).toBe(id.toLowerCase());
    expect(created.headers.get('location')).toBe(`/data/${id}`);
    const upper = id.toUpperCase();
    expect((await b.request('GET', `/data/${upper}`)).body.id).toBe(id);
    expect((await b.request('PUT', `/data/${upper}`, { body: { payload: { n: 2 } } })).body.id).toBe(id);
    expect((await a.request('DELETE', `/data/${upper}`)).status).toBe(204);
    const entries = await redis.xrange(`${prefix}{events}:data`, '-', '+');
    const mine = entries
      .map(([, fields]) =>
        Object.fromEntries(fields.flatMap((f, i) => (i % 2 === 0 ? [[f, fields[i + 1]]] : []))),
      )
      .filter((e) => e.id?.toLowerCase() === id);
    expect(mine.map((e) => [e.type, e.id, e.version])).toEqual([
      ['data.created', id, '1'],
      ['data.updated', id, '2'],
      ['data.deleted', id, '2'],
    ]);
  });
});

describe('writes that race', () => {
  test('when 12 PUTs race over two instances while both read, then both serve what the database holds', async () => {
    for (let round = 0; round < 20; round++) {
      const id = await create('racer-put', { round });
      const writes = Array.from({ length: 12 }, (_, i) =>
        pick(i).request('PUT', `/data/${round % 2 === 1 && i % 3 === 0 ? id.toUpperCase() : id}`, {
          body: { payload: { round, i } },
        }),
      );
      // Readers on both instances fill L1 and L2 with whatever version they see meanwhile.
      const reads = Array.from({ length: 8 }, (_, i) => pick(i + 1).request('GET', `/data/${id}`));
      const answered = await Promise.all([...writes, ...reads]);
      expect(answered.slice(0, 12).map((r) => r.status)).toEqual(Array(12).fill(200));
      expect((await truth.request('GET', `/data/${id}`)).body.version).toBe(13);
      await expectTruth(`/data/${id}`, round);
    }
  }, 120_000);

  test('when a DELETE races PUTs and reads over two instances, then no instance serves the deleted record', async () => {
    for (let round = 0; round < 30; round++) {
      const id = await create('racer-del', { round });
      const at = 4 + (round % 8);
      const writes = Array.from({ length: 16 }, (_, i) =>
        i === at
          ? pick(i).request('DELETE', `/data/${round % 2 === 0 ? id : id.toUpperCase()}`)
          : pick(i).request('PUT', `/data/${id}`, { body: { payload: { round, i } } }),
      );
      const reads = Array.from({ length: 8 }, (_, i) => pick(i + 1).request('GET', `/data/${id}`));
      const answered = await Promise.all([...writes, ...reads]);
      expect(answered[at]?.status).toBe(204);
      for (const r of answered.slice(0, 16)) expect([200, 204, 404]).toContain(r.status);
      await expectTruth(`/data/${id}`, round);
      expect((await truth.request('GET', `/data/${id}`)).status).toBe(404);
    }
  }, 120_000);

  test('when creates and deletes race first-page reads over two instances, then both list what the database holds', async () => {
    const user = 'racer-list';
    const ids: string[] = [];
    for (let round = 0; round < 10; round++) {
      const ops = [
        ...Array.from({ length: 3 }, (_, i) =>
          pick(i).request('POST', '/data', { body: { user_id: user, payload: { round, i } } }),
        ),
        ...(ids.length > 0 ? [pick(round).request('DELETE', `/data/${ids.shift()!.toUpperCase()}`)] : []),
        ...Array.from({ length: 6 }, (_, i) => pick(i).request('GET', `/data?user_id=${user}`)),
      ];
      for (const r of await Promise.all(ops)) if (r.status === 201) ids.push(r.body.id as string);
      const expected = (await truth.request('GET', `/data?user_id=${user}`)).body;
      for (const s of both()) {
        for (let read = 0; read < 2; read++) {
          expect({ round, read, page: (await s.request('GET', `/data?user_id=${user}`)).body }).toEqual({
            round,
            read,
            page: expected,
          });
        }
      }
    }
  }, 120_000);
});

describe('an erase racing reads', () => {
  test('when a user is erased through one instance while both read its records and first page, then afterwards no instance serves any of them', async () => {
    for (let round = 0; round < 3; round++) {
      const user = `racer-erase-${round}`;
      // 2,500 records: three batches of the erase (a thousand each) and a last look.
      const ids: string[] = [];
      for (let b = 0; b < 3; b++) {
        const items = Array.from({ length: b < 2 ? 1000 : 500 }, (_, i) => ({
          user_id: user,
          payload: { b, i },
        }));
        const res = await pick(b).request('POST', '/data/bulk', { body: { items } });
        expect(res.status).toBe(201);
        ids.push(...res.body.items.map((r: { id: string }) => r.id));
      }
      // Records from every batch of the erase, read through both instances (L1 and L2 filled),
      // some by their upper-case id.
      const sample = ids.filter((_, i) => i % 50 === 0);
      const path = (id: string, i: number) => `/data/${i % 3 === 0 ? id.toUpperCase() : id}`;
      for (const s of both()) {
        for (const [i, id] of sample.entries())
          expect((await s.request('GET', path(id, i))).status).toBe(200);
        expect((await s.request('GET', `/data?user_id=${user}`)).body.items).toHaveLength(20);
      }
      let erased = false;
      const erase = pick(round).request('DELETE', `/data?user_id=${user}`);
      void erase.then(() => (erased = true));
      // Readers on both instances fill both levels with whatever they find until it is answered.
      const readers = both().map(async (s, k) => {
        let reads = 0;
        while (!erased) {
          const i = (reads * 7 + k) % sample.length;
          await s.request('GET', path(sample[i]!, i + k));
          if (reads % 5 === 0) await s.request('GET', `/data?user_id=${user}`);
          reads++;
        }
        return reads;
      });
      const answer = await erase;
      const reads = await Promise.all(readers);
      expect([answer.status, answer.body]).toEqual([200, { user_id: user, deleted: 2500 }]);
      expect(reads.every((n) => n > 0)).toBe(true);
      for (const [i, id] of sample.entries()) {
        await expectTruth(`/data/${id}`, round);
        await expectTruth(path(id, i + 1), round);
      }
      const page = (await truth.request('GET', `/data?user_id=${user}`)).body;
      expect(page).toEqual({ items: [], next_cursor: null });
      for (const s of both()) {
        for (let read = 0; read < 2; read++) {
          expect({ round, read, page: (await s.request('GET', `/data?user_id=${user}`)).body }).toEqual({
            round,
            read,
            page,
          });
        }
      }
    }
  }, 180_000);
});

describe('the time of each version', () => {
  test('when 30 writers race on one record, then updated_at and the event times never go back as the version grows', async () => {
    const id = await create('clock', { n: 0 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        pick(i).request('PUT', `/data/${id}`, { body: { payload: { i } } }),
      ),
    );
    const versions = answers
      .filter((r) => r.status === 200)
      .map((r) => ({ version: r.body.version as number, at: Date.parse(r.body.updated_at as string) }))
      .sort((x, y) => x.version - y.version);
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    for (let i = 1; i < versions.length; i++) {
      expect({ version: versions[i]!.version, backwards: versions[i]!.at < versions[i - 1]!.at }).toEqual({
        version: versions[i]!.version,
        backwards: false,
      });
    }
    expect((await a.request('DELETE', `/data/${id}`)).status).toBe(204);
    const events = (await redis.xrange(`${prefix}{events}:data`, '-', '+'))
      .map(([, f]) => Object.fromEntries(f.flatMap((x, i) => (i % 2 === 0 ? [[x, f[i + 1]]] : []))))
      .filter((e) => e.id === id);
    // Ordered by version, a deletion after the version it removed.
    const ordered = events
      .map((e) => ({
        rank: Number(e.version) * 2 + (e.type === 'data.deleted' ? 1 : 0),
        at: Date.parse(e.time!),
      }))
      .sort((x, y) => x.rank - y.rank);
    expect(ordered).toHaveLength(32);
    for (let i = 1; i < ordered.length; i++)
      expect(ordered[i]!.at).toBeGreaterThanOrEqual(ordered[i - 1]!.at);
  }, 60_000);
});
