/**
 * The shipped TypeScript client (clients/typescript/) against the real server over PostgreSQL,
 * with authentication on: the whole flow partners run, and each promise of its README.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import {
  DataApiClient,
  DataApiError,
  entityTag,
  exactNumber,
  numberText,
  type DataRecord,
} from '../../clients/typescript/src/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { AUTH_ENV, mintToken } from './helpers.js';

const API_KEY = 'dak_cl13nt5u1t3K3y_9w8v7u6t5s4r3q2p1o0n';

/** A fetch that records what the client sent and the status of each answer, then sends it for real. */
function recordingFetch() {
  const sent: Request[] = [];
  const statuses: number[] = [];
  const fetchSpy = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push(request.clone());
    const response = await fetch(request);
    statuses.push(response.status);
    return response;
  };
  return { sent, statuses, fetch: fetchSpy as typeof fetch };
}

async function expectProblem(promise: Promise<unknown>): Promise<DataApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataApiError);
  return err as DataApiError;
}

describe('the TypeScript client against the server', () => {
  let s: TestServer;
  let client: DataApiClient;
  let token: string;
  beforeAll(async () => {
    s = await startServer('postgres', {
      ...AUTH_ENV,
      AUTH_API_KEYS: JSON.stringify([
        {
          sha256: createHash('sha256').update(API_KEY).digest('hex'),
          subject: 'kim',
          scopes: ['data:read', 'data:write'],
        },
      ]),
    });
    token = await mintToken('ana');
    client = new DataApiClient({ baseUrl: s.url, bearerToken: token });
  });
  afterAll(async () => {
    await s.close();
  });

  test('when a record is created, then the body, ETag and Location are typed and the ETag is built from the version', async () => {
    const { data, meta } = await client.createRecord({ user_id: 'ana', payload: { name: 'Ana', n: 1 } });
    expect(meta.status).toBe(201);
    expect(meta.etag).toBe('"1"');
    expect(entityTag(data)).toBe(meta.etag);
    expect(meta.location).toBe(`/data/${data.id}`);
    expect(meta.requestId).toMatch(/.+/);
    expect(data).toMatchObject({ user_id: 'ana', payload: { name: 'Ana', n: 1 }, version: 1 });
  });

  test('when a create is sent without a key, then the client generates an Idempotency-Key', async () => {
    const spy = recordingFetch();
    const c = new DataApiClient({ baseUrl: s.url, bearerToken: token, fetch: spy.fetch });
    await c.createRecord({ user_id: 'ana', payload: {} });
    await c.bulkCreateRecords([{ user_id: 'ana', payload: {} }]);
    const keys = spy.sent.map((r) => r.headers.get('idempotency-key'));
    expect(keys).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    ]);
    expect(keys[0]).not.toBe(keys[1]);
  });

  test('when a create is repeated with the same key, then the second answer is the replay of the first', async () => {
    const body = { user_id: 'ana', payload: { once: true } };
    const first = await client.createRecord(body, { idempotencyKey: 'ts-client-once' });
    const again = await client.createRecord(body, { idempotencyKey: 'ts-client-once' });
    expect(again.meta.idempotentReplayed).toBe(true);
    expect(again.data.id).toBe(first.data.id);
  });

  test('when records are created in bulk, then every item comes back in order', async () => {
    const { data, meta } = await client.bulkCreateRecords(
      ['a', 'b', 'c'].map((name) => ({ user_id: 'ana', payload: { name } })),
    );
    expect(meta.status).toBe(201);
    expect(data.map((r) => r.payload.name)).toEqual(['a', 'b', 'c']);
  });

  test('when every page is iterated, then each record comes once, newest first, across pages', async () => {
    const user = 'pager';
    const pagerClient = new DataApiClient({ baseUrl: s.url, bearerToken: await mintToken(user) });
    const created = await pagerClient.bulkCreateRecords(
      Array.from({ length: 25 }, (_, i) => ({ user_id: user, payload: { i } })),
    );
    const pages: number[] = [];
    for await (const page of pagerClient.pages({ user_id: user, limit: 10 }))
      pages.push(page.data.items.length);
    expect(pages).toEqual([10, 10, 5]);
    const seen: DataRecord[] = [];
    for await (const record of pagerClient.records({ user_id: user, limit: 7 })) seen.push(record);
    expect(seen.map((r) => r.id).sort()).toEqual(created.data.map((r) => r.id).sort());
    const order = seen.map((r) => `${r.created_at} ${r.id}`);
    expect(order).toEqual([...order].sort().reverse());
  });

  test('when a user is exported and filtered, then the NDJSON lines come as records, newest first, with every digit', async () => {
    const user = 'exporter';
    const c = new DataApiClient({ baseUrl: s.url, bearerToken: await mintToken(user) });
    const big = '9007199254740993';
    await c.bulkCreateRecords(
      Array.from({ length: 30 }, (_, i) => ({
        user_id: user,
        payload: { i, kind: i % 2 === 0 ? 'even' : 'odd', big: exactNumber(big) },
      })),
    );
    const all: DataRecord[] = [];
    for await (const record of c.exportRecords({ user_id: user })) all.push(record);
    expect(all.map((r) => r.payload.i)).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    expect(all.every((r) => numberText(r.payload.big) === big)).toBe(true);
    const odd: DataRecord[] = [];
    for await (const record of c.exportRecords({ user_id: user, payload_contains: '{"kind":"odd"}' }))
      odd.push(record);
    expect(odd).toHaveLength(15);
    const filtered = await c.listRecords({ user_id: user, payload_contains: '{"kind":"even"}', limit: 5 });
    expect(filtered.data.items.map((r) => r.payload.kind)).toEqual(Array(5).fill('even'));
  });

  test('when a user is erased, then every record goes, the answer counts them, and a retry with the key replays it', async () => {
    const user = 'erased-user';
    const c = new DataApiClient({ baseUrl: s.url, bearerToken: await mintToken(user) });
    const created = await c.bulkCreateRecords(
      Array.from({ length: 12 }, (_, i) => ({ user_id: user, payload: { i } })),
    );
    const first = await c.eraseUser(user, { idempotencyKey: 'erase-once' });
    expect(first.data).toEqual({ user_id: user, deleted: 12 });
    const replay = await c.eraseUser(user, { idempotencyKey: 'erase-once' });
    expect([replay.data, replay.meta.idempotentReplayed]).toEqual([{ user_id: user, deleted: 12 }, true]);
    expect((await c.eraseUser(user)).data.deleted).toBe(0);
    await expect(c.getRecord(created.data[0]!.id)).rejects.toMatchObject({ status: 404 });
  });

  test('when the record has not changed, then a conditional read is "not modified", not an error', async () => {
    const { data } = await client.createRecord({ user_id: 'ana', payload: { v: 1 } });
    const unchanged = await client.getRecord(data.id, { ifNoneMatch: entityTag(data) });
    expect(unchanged.notModified).toBe(true);
    expect(unchanged.meta.status).toBe(304);
    expect(unchanged.meta.etag).toBe('"1"');
    await client.replaceRecord(data.id, { payload: { v: 2 } });
    const changed = await client.getRecord(data.id, { ifNoneMatch: entityTag(data) });
    expect(changed.notModified).toBe(false);
    if (!changed.notModified) expect(changed.data).toMatchObject({ version: 2, payload: { v: 2 } });
  });

  test('when a write names a stale ETag, then a typed 412 error carries the problem fields', async () => {
    const { data } = await client.createRecord({ user_id: 'ana', payload: {} });
    await client.replaceRecord(data.id, { payload: { x: 1 } }, { ifMatch: entityTag(data) });
    const err = await expectProblem(
      client.replaceRecord(
        data.id,
        { payload: { x: 2 } },
        { ifMatch: entityTag(data), requestId: 'ts-client-412' },
      ),
    );
    expect(err).toMatchObject({
      status: 412,
      code: 'DAPI-4121',
      type: 'urn:problem-type:data-api:precondition-failed',
      title: 'Precondition failed',
      requestId: 'ts-client-412',
    });
    expect(err.meta.requestId).toBe('ts-client-412');
    expect(err.detail).toEqual(expect.any(String));
  });

  test('when a record is merge-patched, then it goes as application/merge-patch+json and null removes a member', async () => {
    const spy = recordingFetch();
    const c = new DataApiClient({ baseUrl: s.url, bearerToken: token, fetch: spy.fetch });
    const { data } = await c.createRecord({
      user_id: 'ana',
      payload: { keep: 1, drop: 2, nested: { a: 1 } },
    });
    const patched = await c.patchRecord(
      data.id,
      { payload: { drop: null, nested: { b: 2 } } },
      { ifMatch: entityTag(data) },
    );
    expect(spy.sent.at(-1)!.headers.get('content-type')).toBe('application/merge-patch+json');
    expect(patched.data.payload).toEqual({ keep: 1, nested: { a: 1, b: 2 } });
    expect(patched.meta.etag).toBe('"2"');
  });

  test('when a record is deleted, then reading it is a typed 404', async () => {
    const { data } = await client.createRecord({ user_id: 'ana', payload: {} });
    const deleted = await client.deleteRecord(data.id, { ifMatch: entityTag(data) });
    expect(deleted.meta.status).toBe(204);
    const err = await expectProblem(client.getRecord(data.id));
    expect(err).toMatchObject({ status: 404, code: 'DAPI-4041' });
  });

  test('when the request is invalid, then the error lists each failing field', async () => {
    const err = await expectProblem(client.createRecord({ user_id: 'ana', payload: 'x' as never }));
    expect(err).toMatchObject({ status: 400, code: 'DAPI-4001' });
    expect(err.errors).toEqual([expect.objectContaining({ location: 'body', pointer: '/payload' })]);
  });

  test('when a date has no offset, then the list is refused: RFC 3339 with an offset', async () => {
    const err = await expectProblem(
      client.listRecords({ user_id: 'ana', created_after: '2026-01-01T00:00:00' }),
    );
    expect(err).toMatchObject({ status: 400, code: 'DAPI-4001' });
    const ok = await client.listRecords({ user_id: 'ana', created_after: '2026-01-01T01:00:00+01:00' });
    expect(ok.meta.status).toBe(200);
  });

  test('when credentials come as an API key or a token function, then each is sent; none is a typed 401', async () => {
    const byKey = new DataApiClient({ baseUrl: s.url, apiKey: API_KEY });
    expect((await byKey.createRecord({ user_id: 'kim', payload: {} })).meta.status).toBe(201);
    let calls = 0;
    const byFunction = new DataApiClient({
      baseUrl: s.url,
      bearerToken: () => {
        calls++;
        return mintToken('ana');
      },
    });
    await byFunction.listRecords({ user_id: 'ana', limit: 1 });
    await byFunction.listRecords({ user_id: 'ana', limit: 1 });
    expect(calls).toBe(2);
    const anonymous = new DataApiClient({ baseUrl: s.url });
    const err = await expectProblem(anonymous.listRecords({ user_id: 'ana' }));
    expect(err).toMatchObject({ status: 401, code: 'DAPI-4011' });
    expect(err.meta.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('when a payload has numbers a double would change, then they come back with every digit', async () => {
    const big = '18446744073709551615';
    const precise = '0.1000000000000000055511151231257827';
    const { data } = await client.createRecord({
      user_id: 'ana',
      payload: { big: exactNumber(big), precise: exactNumber(precise), plain: 1.5, small: 42 },
    });
    const read = await client.getRecord(data.id);
    if (read.notModified) throw new Error('unexpected 304');
    expect(numberText(read.data.payload.big)).toBe(big);
    expect(numberText(read.data.payload.precise)).toBe(precise);
    expect(read.data.payload.plain).toBe(1.5);
    expect(read.data.payload.small).toBe(42);
    // Sent back unchanged, the digits survive a replace as well.
    const replaced = await client.replaceRecord(data.id, { payload: read.data.payload });
    expect(numberText(replaced.data.payload.big)).toBe(big);
    const lossy = new DataApiClient({ baseUrl: s.url, bearerToken: token, numbers: 'double' });
    const doubled = await lossy.getRecord(data.id);
    if (!doubled.notModified) expect(String(doubled.data.payload.big)).not.toBe(big);
  });

  test('when the server is asked while it holds a competing Idempotency-Key request, then the client waits Retry-After and gets the replay', async () => {
    const slow = await startServer('postgres', {
      ...AUTH_ENV,
      DB_CONNECT_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '1500',
      IDEMPOTENCY_LEASE_SECONDS: '5',
    });
    const schema = slow.testDb!.schema;
    const c = new DataApiClient({ baseUrl: slow.url, bearerToken: token });
    const spy = recordingFetch();
    const waiting = new DataApiClient({ baseUrl: slow.url, bearerToken: token, fetch: spy.fetch });
    const body = { user_id: 'ana', payload: { raced: true } };
    const lock = await import('pg').then(
      (pg) => new pg.default.Client({ connectionString: slow.testDb!.env.DATABASE_URL }),
    );
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE ${schema}.records IN ACCESS EXCLUSIVE MODE`);
      const first = c.createRecord(body, { idempotencyKey: 'ts-raced' });
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const second = waiting.createRecord(body, { idempotencyKey: 'ts-raced' });
      await new Promise((r) => setTimeout(r, 500));
      await lock.query('ROLLBACK');
      const [a, b] = await Promise.all([first, second]);
      expect(b.data.id).toBe(a.data.id);
      expect(b.meta.idempotentReplayed).toBe(true);
      expect(spy.statuses).toEqual([409, 201]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      await lock.end();
      await slow.close();
    }
  }, 30_000);
});

describe('the TypeScript client when the server asks it to wait', () => {
  test('when over the rate limit, then it waits Retry-After and succeeds, within its retries', async () => {
    const s = await startServer('pglite', {
      ...AUTH_ENV,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '60',
      RATE_LIMIT_WINDOW_SECONDS: '1',
    });
    try {
      const spy = recordingFetch();
      const c = new DataApiClient({ baseUrl: s.url, bearerToken: await mintToken('ana'), fetch: spy.fetch });
      await c.listRecords({ user_id: 'ana' });
      const started = Date.now();
      const page = await c.listRecords({ user_id: 'ana' });
      expect(page.meta.status).toBe(200);
      expect(spy.statuses).toEqual([200, 429, 200]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(page.meta.rateLimit).toMatchObject({ policy: 'read', quota: 1, windowSeconds: 1 });

      const impatient = new DataApiClient({
        baseUrl: s.url,
        bearerToken: await mintToken('ana'),
        retries: 0,
      });
      await impatient.listRecords({ user_id: 'ana' }).catch(() => undefined);
      const err = await expectProblem(impatient.listRecords({ user_id: 'ana' }));
      expect(err).toMatchObject({ status: 429, code: 'DAPI-4291' });
      expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(err.meta.rateLimit?.remaining).toBe(0);

      const brief = new DataApiClient({
        baseUrl: s.url,
        bearerToken: await mintToken('ana'),
        maxRetryDelaySeconds: 0,
      });
      const tooLong = Date.now();
      await brief.listRecords({ user_id: 'ana' }).catch(() => undefined);
      expect((await expectProblem(brief.listRecords({ user_id: 'ana' }))).status).toBe(429);
      expect(Date.now() - tooLong).toBeLessThan(900);
    } finally {
      await s.close();
    }
  });

  test('when the server sheds load with 503, then the client waits Retry-After and the retry is served', async () => {
    const s = await startServer('pglite', { ...AUTH_ENV, MAX_REQUESTS_IN_FLIGHT: '1' });
    const auth = `Bearer ${await mintToken('ana')}`;
    let held: ClientRequest | undefined;
    try {
      // One request in progress: a create whose body has not all arrived.
      const url = new URL(`${s.url}/data`);
      held = httpRequest({
        host: url.hostname,
        port: url.port,
        path: '/data',
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json', 'content-length': '64' },
      });
      held.on('error', () => undefined);
      held.write('{"user_id": "ana",');
      await new Promise((r) => setTimeout(r, 200));
      setTimeout(() => held!.destroy(), 400);
      const spy = recordingFetch();
      const c = new DataApiClient({ baseUrl: s.url, bearerToken: auth.slice(7), fetch: spy.fetch });
      const started = Date.now();
      const { meta } = await c.createRecord({ user_id: 'ana', payload: {} });
      expect(meta.status).toBe(201);
      expect(spy.statuses[0]).toBe(503);
      expect(spy.statuses.at(-1)).toBe(201);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // Both attempts carried the same key: a retried create cannot write twice.
      expect(new Set(spy.sent.map((r) => r.headers.get('idempotency-key'))).size).toBe(1);
    } finally {
      held?.destroy();
      await s.close();
    }
  });
});
