/**
 * GET /data/export over real HTTP, on PGlite and PostgreSQL: every record as NDJSON in the list's
 * order and the bytes of GET /data/{id}, across chunks; the list's bounds and filter; an empty
 * user; compression; HEAD; back-pressure (a client that stops reading stops the statements); a
 * client that goes away (no statement keeps running, no connection stays checked out); a failure
 * after the answer started (the connection is cut); scopes and ownership; one request against
 * the rate limit; the log and audit lines with the records sent.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { SignJWT } from 'jose';
import type { Database } from '../../src/data/database.js';
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { createPostgres } from '../../src/data/postgres.js';
import { POSTGRES_MIGRATIONS_DIR } from '../../src/config/paths.js';
import {
  adminQuery,
  BACKENDS,
  openTestDatabase,
  TEST_DATABASE_URL,
  uniqueSchema,
  type TestDatabase,
} from '../helpers/databases.js';
import { startServer, startServerOn, type TestServer } from '../helpers/server.js';
import { watched } from '../helpers/watched-database.js';

const q = (v: unknown) => encodeURIComponent(JSON.stringify(v));

/** A GET over node:http, to see the encoded bytes and to stop reading at will. */
function get(url: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, { headers }, resolve).on('error', reject));
}

async function bytesOf(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Bulk creates, 100 a request (under the 1 MiB body limit with 8 KiB payloads). */
async function bulk(s: TestServer, userId: string, payloads: object[]): Promise<void> {
  for (let i = 0; i < payloads.length; i += 100) {
    const items = payloads.slice(i, i + 100).map((payload) => ({ user_id: userId, payload }));
    expect((await s.request('POST', '/data/bulk', { body: { items } })).status).toBe(201);
  }
}

describe.each(BACKENDS)('GET /data/export on %s', (kind) => {
  let s: TestServer;
  const logs: Record<string, unknown>[] = [];
  beforeAll(async () => {
    s = await startServer(kind, { BULK_MAX_ITEMS: '500' }, { logLines: logs });
    // The first chunk is 100 rows, later ones up to 1000: 260 records cross three chunks.
    await bulk(
      s,
      'exporter',
      Array.from({ length: 260 }, (_, i) => ({ i, kind: i % 3 === 0 ? 'third' : 'other' })),
    );
  });
  afterAll(async () => {
    await s.close();
  });

  test('when a user is exported, then each record is a line with the bytes GET /data/{id} answers, newest first, across chunks', async () => {
    const res = await s.request('GET', '/data/export?user_id=exporter');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text.endsWith('\n')).toBe(true);
    const lines = res.text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(260);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await s.request(
        'GET',
        `/data?user_id=exporter&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      listed.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.next_cursor ? encodeURIComponent(page.body.next_cursor) : null;
    } while (cursor);
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(listed);
    for (const line of [lines[0]!, lines[150]!, lines[259]!]) {
      expect(line).toBe((await s.request('GET', `/data/${JSON.parse(line).id}`)).text);
    }
  });

  test('when the export is bounded by created_after, created_before and payload_contains, then it holds exactly what the list holds', async () => {
    // Three bulk creates made the records: three instants; the middle one is strictly between.
    const page = await s.request('GET', '/data?user_id=exporter&limit=1000');
    const after = page.body.items[259].created_at;
    const before = page.body.items[0].created_at;
    expect(after < before).toBe(true);
    const bounds = `created_after=${after}&created_before=${before}&payload_contains=${q({ kind: 'third' })}`;
    const exported = (await s.request('GET', `/data/export?user_id=exporter&${bounds}`)).text;
    const listed = await s.request('GET', `/data?user_id=exporter&limit=1000&${bounds}`);
    expect(
      exported
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).id),
    ).toEqual(listed.body.items.map((r: { id: string }) => r.id));
    expect(listed.body.items.length).toBeGreaterThan(10);
  });

  test('when a user has no records, then 200 with an empty body', async () => {
    const res = await s.request('GET', '/data/export?user_id=nobody-here');
    expect([res.status, res.text, res.headers.get('content-type')]).toEqual([
      200,
      '',
      'application/x-ndjson',
    ]);
  });

  test('when a bound or the filter is bad, then 400 problem+json before anything is streamed', async () => {
    for (const [path, code] of [
      [`/data/export?user_id=exporter&payload_contains=${q([1])}`, 'DAPI-4001'],
      ['/data/export?user_id=exporter&payload_contains=%7Bnope', 'DAPI-4002'],
      ['/data/export?user_id=exporter&created_after=yesterday', 'DAPI-4001'],
      ['/data/export?user_id=exporter&limit=5', 'DAPI-4001'],
      ['/data/export', 'DAPI-4001'],
    ] as const) {
      const res = await s.request('GET', path);
      expect([path, res.status, res.body.code]).toEqual([path, 400, code]);
    }
  });

  test.each(['gzip', 'br', 'zstd'])(
    'when the client accepts %s, then the stream is encoded and decodes to the same lines',
    async (coding) => {
      const plain = (await s.request('GET', '/data/export?user_id=exporter')).text;
      const res = await get(`${s.url}/data/export?user_id=exporter`, { 'accept-encoding': coding });
      expect([res.statusCode, res.headers['content-encoding'], res.headers['transfer-encoding']]).toEqual([
        200,
        coding,
        'chunked',
      ]);
      const encoded = await bytesOf(res);
      const decode = {
        gzip: promisify(zlib.gunzip),
        br: promisify(zlib.brotliDecompress),
        zstd: promisify(zlib.zstdDecompress),
      }[coding]!;
      expect((await decode(encoded)).toString()).toBe(plain);
      expect(encoded.length).toBeLessThan(plain.length / 2);
    },
  );

  test('when HEAD asks for the export, then it has the header fields of the GET and no content', async () => {
    for (const coding of ['identity', 'gzip']) {
      const head = await fetch(`${s.url}/data/export?user_id=exporter`, {
        method: 'HEAD',
        headers: { 'accept-encoding': coding },
      });
      const got = await get(`${s.url}/data/export?user_id=exporter`, { 'accept-encoding': coding });
      await bytesOf(got);
      expect([head.status, await head.text()]).toEqual([200, '']);
      for (const name of ['content-type', 'content-encoding', 'cache-control', 'vary']) {
        expect([coding, name, head.headers.get(name)]).toEqual([
          coding,
          name,
          (got.headers[name] as string | undefined) ?? null,
        ]);
      }
    }
  });

  test('when the export is over, then one request line and one audit line say how many records it sent', async () => {
    logs.length = 0;
    const res = await s.request('GET', '/data/export?user_id=exporter', {
      headers: { 'x-request-id': `export-${kind}` },
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const mine = logs.filter((l) => l.request_id === `export-${kind}`);
    expect(mine.find((l) => l.audit === true)).toMatchObject({
      operation: 'exportRecords',
      user_ids: ['exporter'],
      records_sent: 260,
      outcome: 'success',
      status: 200,
    });
    expect(mine.find((l) => l.msg === 'request')).toMatchObject({
      route: '/data/export',
      records_sent: 260,
      complete: true,
    });
  });
});

describe('the statements behind an export (PostgreSQL)', () => {
  let t: TestDatabase;
  let s: TestServer;
  let w: ReturnType<typeof watched>;
  beforeAll(async () => {
    t = await openTestDatabase('postgres');
    w = watched(t.db);
    s = await startServerOn(w.db, { BULK_MAX_ITEMS: '500' });
    // 4,000 records of 8 KiB: 32 MiB, far more than the socket buffers hold, in chunks of about
    // 1 MiB (some 125 records), so about 32 statements for the whole export.
    await bulk(
      s,
      'big',
      Array.from({ length: 4000 }, (_, i) => ({ i, pad: 'x'.repeat(8192) })),
    );
  }, 120_000);
  afterAll(async () => {
    await s.close();
    await t.drop();
  });

  test('when the client stops reading, then the statements stop; when it reads on, they go on to the end', async () => {
    const before = w.runs('listRecordsByUser');
    const res = await get(`${s.url}/data/export?user_id=big`);
    res.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const whilePaused = w.runs('listRecordsByUser') - before;
    const body = await bytesOf(res);
    const total = w.runs('listRecordsByUser') - before;
    expect(body.toString().split('\n').filter(Boolean)).toHaveLength(4000);
    expect(total).toBeGreaterThan(20);
    // Only what fills the socket buffers and one chunk ahead was read while nobody read.
    expect(whilePaused).toBeLessThan(total / 2);
  }, 60_000);

  test('when the stream fails after it started, then the connection is cut and the client sees an unfinished answer', async () => {
    w.failOn('listRecordsByUser', 3);
    const res = await get(`${s.url}/data/export?user_id=big`);
    expect(res.statusCode).toBe(200);
    await expect(bytesOf(res)).rejects.toThrow(/aborted|socket hang up|terminated|ECONNRESET/);
    // The next export is whole again.
    const again = await bytesOf(await get(`${s.url}/data/export?user_id=big`));
    expect(again.toString().split('\n').filter(Boolean)).toHaveLength(4000);
  }, 60_000);
});

describe('a client that goes away during an export (PostgreSQL)', () => {
  const app = `export-gone-${uniqueSchema()}`;
  let db: Database;
  let schema: string;
  let s: TestServer;
  let w: ReturnType<typeof watched>;
  beforeAll(async () => {
    schema = uniqueSchema();
    const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}application_name=${app}`;
    db = createPostgres({ url, schema, poolMax: 4, connectTimeoutMs: 5000, statementTimeoutMs: 5000 });
    await migrate(db, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
    w = watched(db);
    s = await startServerOn(w.db, { BULK_MAX_ITEMS: '500' });
    await bulk(
      s,
      'leaver',
      Array.from({ length: 3000 }, (_, i) => ({ i, pad: 'y'.repeat(8192) })),
    );
  }, 120_000);
  afterAll(async () => {
    await s.close();
    await db.close();
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('when the client disconnects after the first bytes, then no statement keeps running and no connection stays checked out', async () => {
    const before = w.runs('listRecordsByUser');
    const res = await get(`${s.url}/data/export?user_id=leaver`);
    await new Promise<void>((resolve) => res.once('data', () => resolve()));
    res.destroy();
    await new Promise((r) => setTimeout(r, 500));
    const afterGone = w.runs('listRecordsByUser');
    await new Promise((r) => setTimeout(r, 1000));
    // Nothing more was started once the client had gone, far from the whole export's ~25.
    expect(w.runs('listRecordsByUser')).toBe(afterGone);
    expect(afterGone - before).toBeLessThan(10);
    const { rows } = await adminQuery(
      `SELECT count(*)::int AS active FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'`,
      [app],
    );
    expect(rows[0].active).toBe(0);
    expect(db.poolStats?.()).toMatchObject({ active: 0, waiting: 0 });
  }, 60_000);
});

describe('who may export (PostgreSQL, authentication on)', () => {
  const SECRET = 'test-only-hs256-secret-0123456789abcdef';
  const API_KEY = 'dak_7Qm2vX9pL4sN8wR1tY6uB3eH5jK0cZfG';
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
    s = await startServer('postgres', {
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: JSON.stringify([
        { sha256: createHash('sha256').update(API_KEY).digest('hex'), subject: 'bob', scopes: ['data:read'] },
      ]),
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '50',
    });
    const admin = await bearer('ops', 'data:admin');
    for (const user of ['alice', 'bob']) {
      const items = Array.from({ length: 30 }, (_, i) => ({ user_id: user, payload: { i } }));
      expect((await s.request('POST', '/data/bulk', { body: { items }, headers: admin })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await s.close();
  });

  test('when callers export, then data:read reaches its own user only, data:admin any, no credentials none', async () => {
    const cases: [string, Record<string, string>, string, number][] = [
      ['alice with data:read', await bearer('alice', 'data:read'), 'alice', 200],
      ['alice for bob', await bearer('alice', 'data:read data:write'), 'bob', 403],
      ['alice with data:write only', await bearer('alice', 'data:write'), 'alice', 403],
      ['bob by API key', { 'x-api-key': API_KEY }, 'bob', 200],
      ['bob by API key for alice', { 'x-api-key': API_KEY }, 'alice', 403],
      ['an admin for bob', await bearer('ops', 'data:admin'), 'bob', 200],
      ['no credentials', {}, 'alice', 401],
    ];
    for (const [who, headers, user, status] of cases) {
      const res = await s.request('GET', `/data/export?user_id=${user}`, { headers });
      expect([who, res.status]).toEqual([who, status]);
      if (status === 200) expect(res.text.split('\n').filter(Boolean)).toHaveLength(30);
    }
  });

  test('when a user exports, then it spends one request of the read budget, whatever the records', async () => {
    const headers = await bearer('alice', 'data:read');
    const remaining = async (path: string) =>
      Number(/r=(\d+)/.exec((await s.request('GET', path, { headers })).headers.get('ratelimit') ?? '')?.[1]);
    const a = await remaining('/data/export?user_id=alice');
    const b = await remaining('/data/export?user_id=alice');
    const c = await remaining('/data?user_id=alice&limit=1');
    expect([a - b, b - c]).toEqual([1, 1]);
  });
});
