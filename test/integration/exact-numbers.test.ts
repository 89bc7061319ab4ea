/**
 * Payload numbers on every path, over real HTTP, on PGlite and PostgreSQL with Redis: create,
 * bulk create, read from L1, L2 and the database, the cached first page and later pages,
 * replace, merge patch, the idempotent replay, and the change event. Every check reads the raw
 * answer text, never a parsed value: JSON.parse would round the very numbers under test.
 * docs/payload-numbers.md.
 */
import { randomBytes } from 'node:crypto';
import { createRedisGateway } from '../../src/redis/ioredis-gateway.js';
import type { RedisClient, RedisGateway } from '../../src/redis/redis-gateway.js';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { EXACT_NUMBERS, exactPayload } from '../helpers/number-cases.js';
import { startServerOn, type TestResponse, type TestServer } from '../helpers/server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JSON_CT = { 'content-type': 'application/json' };
const MERGE_CT = { 'content-type': 'application/merge-patch+json' };

/** The payload exactly as sent, where the contract's Record puts it. */
const holds = (payload: string) => `"payload":${payload},"created_at"`;

/** The id of a record answer, read without parsing the payload. */
const idOf = (r: TestResponse) => /^\{"id":"([0-9a-f-]{36})"/.exec(r.text)?.[1] as string;

for (const kind of BACKENDS) {
  describe(`payload numbers over HTTP on ${kind} with Redis`, () => {
    const prefix = `test-exact-${randomBytes(4).toString('hex')}:`;
    let t: TestDatabase;
    let a: TestServer;
    let b: TestServer;
    let uncached: TestServer;
    let redis: RedisGateway;
    const post = (s: TestServer, path: string, raw: string, headers: Record<string, string> = {}) =>
      s.request('POST', path, { raw, headers: { ...JSON_CT, ...headers } });
    const create = (payload: string, user: string) =>
      post(a, '/data', `{"user_id":"${user}","payload":${payload}}`);

    beforeAll(async () => {
      t = await openTestDatabase(kind);
      const shared = { REDIS_URL, REDIS_KEY_PREFIX: prefix, CACHE_L1_TTL_MS: '60000' };
      a = await startServerOn(t.db, shared);
      b = await startServerOn(t.db, shared);
      uncached = await startServerOn(t.db, { CACHE_ENABLED: 'false' });
      redis = createRedisGateway({
        url: REDIS_URL,
        commandTimeoutMs: 2000,
        breakerThreshold: 5,
        breakerCooldownMs: 100,
        keyPrefix: prefix,
      });
    });
    afterAll(async () => {
      await redis?.run(async (c: RedisClient) => {
        const keys = (await c.keys(`${prefix}*`)) as string[];
        if (keys.length > 0) await c.del(...keys);
      });
      await redis?.close();
      for (const s of [a, b, uncached]) await s?.close();
      await t?.drop();
    });

    test('when a record is created, then the answer and every read (L1, L2, database) hold each digit', async () => {
      const payload = exactPayload();
      const created = await create(payload, 'exact-get');
      expect(created.status).toBe(201);
      expect(created.text).toContain(holds(payload));
      const id = idOf(created);
      const reads = [
        await a.request('GET', `/data/${id}`),
        await b.request('GET', `/data/${id}`),
        await b.request('GET', `/data/${id}`),
        await uncached.request('GET', `/data/${id}`),
      ];
      expect(reads.map((r) => r.headers.get('x-cache'))).toEqual(['hit-l1', 'hit-l2', 'hit-l1', 'miss']);
      for (const r of reads) expect(r.text).toBe(created.text);
    });

    test('when a user is listed, then the cached first page and the later pages hold each digit', async () => {
      const payloads = EXACT_NUMBERS.map(([name, text]) => `{"${name}":${text}}`);
      for (const p of payloads) expect((await create(p, 'exact-list')).status).toBe(201);
      const first = await a.request('GET', '/data?user_id=exact-list');
      const cached = await a.request('GET', '/data?user_id=exact-list');
      const fromL2 = await b.request('GET', '/data?user_id=exact-list');
      expect([first, cached, fromL2].map((r) => r.headers.get('x-cache'))).toEqual([
        'miss',
        'hit-l1',
        'hit-l2',
      ]);
      for (const r of [first, cached, fromL2]) {
        expect(r.text).toBe(first.text);
        for (const p of payloads) expect(r.text).toContain(holds(p));
      }
      // One record a page: every later page comes from the database, not the cache.
      const seen: string[] = [];
      let page = await a.request('GET', '/data?user_id=exact-list&limit=1');
      for (;;) {
        seen.push(page.text);
        const cursor = /"next_cursor":"([^"]+)"/.exec(page.text)?.[1];
        if (!cursor) break;
        page = await a.request('GET', `/data?user_id=exact-list&limit=1&cursor=${cursor}`);
        expect(page.headers.get('x-cache')).toBe('miss');
      }
      expect(seen).toHaveLength(payloads.length);
      for (const [i, p] of [...payloads].reverse().entries()) expect(seen[i]).toContain(holds(p));
    });

    test('when a bulk create holds the numbers, then its answer and each record hold each digit', async () => {
      const payloads = [
        exactPayload(),
        `{"x":123456789012345678901234567890}`,
        `{"n":[${EXACT_NUMBERS.map((n) => n[1])}]}`,
      ];
      const items = payloads.map((p) => `{"user_id":"exact-bulk","payload":${p}}`).join(',');
      const created = await post(a, '/data/bulk', `{"items":[${items}]}`);
      expect(created.status).toBe(201);
      const ids = [...created.text.matchAll(/\{"id":"([0-9a-f-]{36})"/g)].map((m) => m[1]);
      expect(ids).toHaveLength(3);
      for (const [i, p] of payloads.entries()) {
        expect(created.text).toContain(holds(p));
        expect((await b.request('GET', `/data/${ids[i]}`)).text).toContain(holds(p));
        expect((await uncached.request('GET', `/data/${ids[i]}`)).text).toContain(holds(p));
      }
    });

    test('when a record is replaced, then the answer and the reads hold the new digits', async () => {
      const id = idOf(await create('{"v":1}', 'exact-put'));
      const payload = exactPayload(',"status":2');
      const put = await a.request('PUT', `/data/${id}`, { raw: `{"payload":${payload}}`, headers: JSON_CT });
      expect(put.status).toBe(200);
      expect(put.text).toContain(holds(payload));
      expect((await b.request('GET', `/data/${id}`)).text).toBe(put.text);
      expect((await uncached.request('GET', `/data/${id}`)).text).toBe(put.text);
    });

    test('when a merge patch sets some members, then the untouched keep their digits and the new have theirs', async () => {
      const id = idOf(await create(exactPayload(), 'exact-patch'));
      const patch =
        '{"payload":{"a":null,"pi":2.71828182845904523536028747135266250,"z64":18446744073709551616}}';
      const patched = await a.request('PATCH', `/data/${id}`, { raw: patch, headers: MERGE_CT });
      expect(patched.status).toBe(200);
      // jsonb's member order: by length, then bytewise; "a" is gone.
      const expected =
        '{"pi":2.71828182845904523536028747135266250,"d34":0.1000000000000000055511151231257827,' +
        '"i64":18446744073709551615,"z64":18446744073709551616,"neg30":-123456789012345678901234567890}';
      expect(patched.text).toContain(holds(expected));
      expect((await b.request('GET', `/data/${id}`)).text).toBe(patched.text);
      expect((await uncached.request('GET', `/data/${id}`)).text).toBe(patched.text);
      // A patch that touches nothing numeric leaves every digit as it was.
      const again = await a.request('PATCH', `/data/${id}`, {
        raw: '{"payload":{"s":"x"}}',
        headers: MERGE_CT,
      });
      expect(again.text).toContain(holds(expected.replace('{"pi"', '{"s":"x","pi"')));
    });

    test('when a create is replayed with its Idempotency-Key, then the stored answer holds each digit', async () => {
      const payload = exactPayload();
      const body = `{"user_id":"exact-idem","payload":${payload}}`;
      const key = { 'idempotency-key': `exact-${kind}` };
      const first = await post(a, '/data', body, key);
      const replay = await post(b, '/data', body, key);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect([replay.status, replay.text]).toEqual([201, first.text]);
      expect(replay.text).toContain(holds(payload));
      // 2^53 and 2^53 + 1 are one double but two requests: the same key with the other is refused.
      const other = await post(a, '/data', body.replace('9007199254740993', '9007199254740992'), key);
      expect(other.status).toBe(422);
      // Written differently, stored the same (1E+2 is 100): one request; stored differently
      // (1.0 keeps its scale): two.
      const alias = { 'idempotency-key': `exact-alias-${kind}` };
      const hundred = await post(a, '/data', '{"user_id":"exact-idem","payload":{"n":1E+2,"m":1e21}}', alias);
      const again = await post(b, '/data', '{"user_id":"exact-idem","payload":{"n":100,"m":1e+21}}', alias);
      expect([again.status, again.headers.get('idempotent-replayed'), again.text]).toEqual([
        201,
        'true',
        hundred.text,
      ]);
      const scaled = await post(a, '/data', '{"user_id":"exact-idem","payload":{"n":100.0,"m":1e21}}', alias);
      expect(scaled.status).toBe(422);
      const bulkBody = `{"items":[${body}]}`;
      const bulkFirst = await post(a, '/data/bulk', bulkBody, { 'idempotency-key': `exact-bulk-${kind}` });
      const bulkReplay = await post(b, '/data/bulk', bulkBody, { 'idempotency-key': `exact-bulk-${kind}` });
      expect([bulkReplay.status, bulkReplay.text]).toEqual([201, bulkFirst.text]);
      expect(bulkReplay.text).toContain(holds(payload));
    });

    test('when a change is published, then its event carries no payload, so no number to change', async () => {
      const id = idOf(await create(exactPayload(), 'exact-event'));
      const entries =
        (await redis.run((c: RedisClient) => c.xrange(`${prefix}{events}:data`, '-', '+'))) ?? [];
      const event = entries.map(([, fields]) => fields).find((fields) => fields.includes(id));
      expect(event).toBeDefined();
      const names = event!.filter((_, i) => i % 2 === 0);
      expect(names.sort()).toEqual(['id', 'time', 'type', 'user_id', 'version']);
    });

    test('when numbers are written in other forms, then they come back as PostgreSQL normalises them; -0 is 0', async () => {
      const created = await create(
        '{"b":1.0,"c":1E+2,"d":-0,"e":1.500e1,"f":-0.0,"g":1e-3,"h":1.50}',
        'exact-norm',
      );
      expect(created.text).toContain(holds('{"b":1.0,"c":100,"d":0,"e":15.00,"f":0.0,"g":0.001,"h":1.50}'));
      expect((await uncached.request('GET', `/data/${idOf(created)}`)).text).toBe(created.text);
    });
  });
}
