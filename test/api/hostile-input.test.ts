/**
 * The hostile-input catalog (the security issue): what an attacker sends, over real HTTP. Every
 * request is bounded in time and must be answered with a 4xx problem+json that carries no stack
 * trace, SQL or driver message; after each test /health answers, the victim user has no records,
 * the row count is what the test meant it to be and the target record is untouched. The basic
 * cases live in errors.test.ts and http-server.test.ts and are not repeated here.
 *
 * node:http sends paths as written (fetch would normalise `/data/%2e%2e` away, and refuses a GET
 * body); raw sockets send what no client library will (bare CR/LF in headers, smuggling framings).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { compileStatement } from '../../src/data/sql-catalog.js';
import { recordIdOf } from '../../src/domain/record-id.js';
import { ContractChecker } from '../helpers/contract-check.js';
import { metricValue, startServer, startServerOn, type TestServer } from '../helpers/server.js';

const BOUND_MS = 5000;
const MB = 2 ** 20;
const DEEP = 100_000;
const JSON_CT = { 'content-type': 'application/json' };
const MERGE_CT = { 'content-type': 'application/merge-patch+json' };
const PROBLEM = 'application/problem+json';
// Never in an answer: a stack frame, our SQL, a driver's or the runtime's own message.
const LEAK =
  /\bat .*\.(js|ts):\d+|\b(RETURNING|INSERT INTO|FROM records|SQLSTATE|TypeError|RangeError)\b|::(uuid|jsonb|text|integer|timestamptz)|invalid input syntax|syntax error at|violates|duplicate key|node_modules|call stack|Cannot read prop/;

interface Hostile {
  method?: string;
  /** Sent as written. */
  path: string;
  headers?: Record<string, string>;
  /** Sent with its Content-Length. */
  body?: string | Buffer;
  /** Written piece by piece (chunked unless the headers declare a length) until the answer comes. */
  chunks?: Iterable<Buffer>;
}

interface Answer {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  ms: number;
}

const checkers = new WeakMap<TestServer, ContractChecker>();

function answerOf(status: number, headers: Headers, text: string, started: number): Answer {
  const type = (headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  expect(text).not.toMatch(LEAK);
  const body: unknown = /json/.test(type) && text !== '' ? JSON.parse(text) : undefined;
  return { status, type, headers, text, body, ms: Date.now() - started };
}

function headersOf(res: IncomingMessage): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return out;
}

async function pump(req: ClientRequest, chunks: Iterable<Buffer>, answered: () => boolean): Promise<void> {
  for (const chunk of chunks) {
    if (answered() || req.destroyed) return;
    if (!req.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          req.off('drain', done).off('close', done);
          resolve();
        };
        req.on('drain', done).on('close', done);
      });
    }
  }
  if (!req.destroyed) req.end();
}

/** One request, answered within boundMs or failed; the answer is checked against the contract. */
function send(s: TestServer, h: Hostile, boundMs = BOUND_MS): Promise<Answer> {
  const { hostname, port } = new URL(s.url);
  const method = h.method ?? 'GET';
  const headers: Record<string, string> = { ...h.headers };
  if (h.body !== undefined) headers['content-length'] = String(Buffer.byteLength(h.body));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: hostname, port, method, path: h.path, headers, agent: false }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        try {
          const a = answerOf(res.statusCode ?? 0, headersOf(res), Buffer.concat(parts).toString(), started);
          checkers
            .get(s)
            ?.check({ method, path: h.path, status: a.status, headers: a.headers, text: a.text });
          resolve(a);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    const timer = setTimeout(
      () => fail(new Error(`no answer within ${boundMs} ms to ${method} ${h.path.slice(0, 80)}`)),
      boundMs,
    );
    function fail(err: Error) {
      clearTimeout(timer);
      req.destroy();
      reject(err);
    }
    // Once answered, the server may close while the rest is still being written: not a failure.
    req.on('error', (err) => (answered ? undefined : fail(err)));
    if (h.chunks) void pump(req, h.chunks, () => answered);
    else req.end(h.body);
  });
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString(), 16);
    if (eol < 0 || !(size > 0)) return Buffer.concat(out);
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 4 + size;
  }
}

/** A whole answer out of raw bytes; undefined while more must come. Status 0: closed unanswered. */
function parseRaw(
  data: Buffer,
  closed: boolean,
): { status: number; headers: Headers; text: string } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return closed ? { status: 0, headers: new Headers(), text: data.toString() } : undefined;
  const [first = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = data.subarray(end + 4);
  const length = headers.get('content-length');
  if (length !== null) {
    if (body.length < Number(length) && !closed) return undefined;
    body = body.subarray(0, Number(length));
  } else if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    if (body.indexOf('0\r\n\r\n') < 0 && !closed) return undefined;
    body = dechunk(body);
  } else if (!closed) return undefined;
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(first)?.[1] ?? 0), headers, text: body.toString() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes the parts to a socket (gapMs apart: a slow client) and reads one answer. */
function rawSend(s: TestServer, parts: (string | Buffer)[], gapMs = 0, boundMs = BOUND_MS): Promise<Answer> {
  const { hostname, port } = new URL(s.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    let settled = false;
    const socket = connect(Number(port), hostname);
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${boundMs} ms to ${String(parts[0]).slice(0, 80)}`));
    }, boundMs);
    const finish = (closed: boolean) => {
      const parsed = settled ? undefined : parseRaw(data, closed);
      if (!parsed) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(answerOf(parsed.status, parsed.headers, parsed.text, started));
      } catch (err) {
        reject(err as Error);
      }
    };
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs > 0) await sleep(gapMs);
        if (settled || socket.destroyed) return;
        socket.write(part);
      }
    });
  });
}

/** A refusal: a 4xx problem+json; with a code, the status is the code's (DAPI-4131: 413). */
function expectRefused(a: Answer, code?: string): void {
  expect({
    class: `${Math.floor(a.status / 100)}xx`,
    status: a.status,
    type: a.type,
    code: a.body?.code,
  }).toEqual({
    class: '4xx',
    status: code ? Number(code.slice(5, 8)) : a.status,
    type: PROBLEM,
    code: code ?? expect.stringMatching(/^DAPI-4\d{3}$/),
  });
}

const q = encodeURIComponent;
const create = (payload: string, userId = 'victim') => `{"user_id":"${userId}","payload":${payload}}`;
const nestArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const nestObjects = (n: number) => '{"a":'.repeat(n) + '{}' + '}'.repeat(n);
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const get = (path: string, headers?: Record<string, string>): Hostile => ({ path, headers });
const list = (query: string) => get(`/data?user_id=victim&${query}`);
const post = (body: string | Buffer, path = '/data'): Hostile => ({
  method: 'POST',
  path,
  headers: JSON_CT,
  body,
});
const bulk = (items: string) => post(`{"items":[${items}]}`, '/data/bulk');
const patch = (t: string, body: string | Buffer): Hostile => ({
  method: 'PATCH',
  path: `/data/${t}`,
  headers: MERGE_CT,
  body,
});
const put = (t: string, body: string, headers: Record<string, string> = {}): Hostile => ({
  method: 'PUT',
  path: `/data/${t}`,
  headers: { ...JSON_CT, ...headers },
  body,
});
const del = (t: string, headers?: Record<string, string>): Hostile => ({
  method: 'DELETE',
  path: `/data/${t}`,
  headers,
});

interface Bench {
  s: TestServer;
  /** A record of another user that no hostile request may change. */
  target: string;
  /** Rows the tests meant to write. */
  rows: number;
}

const CENSUS = compileStatement(
  'hostileInputCensus',
  `SELECT count(*)::int AS total, (count(*) FILTER (WHERE user_id = 'victim'))::int AS victims,
          (SELECT version FROM records WHERE id = :target::uuid) AS target_version
   FROM records`,
);
const CLEAN = compileStatement(
  'hostileInputClean',
  `DELETE FROM records WHERE user_id = 'victim' RETURNING id::text AS id, version`,
);

async function newTarget(b: Bench): Promise<void> {
  const created = await send(b.s, post(create('{"a":1}', 'owner')));
  b.target = created.body.id as string;
  b.rows++;
}

async function open(s: TestServer, b: Bench): Promise<void> {
  checkers.set(s, new ContractChecker(s.app.backend.api));
  b.s = s;
  b.rows = 0;
  await newTarget(b);
}

/** After every test: still serving, nothing written, the target untouched. */
async function expectIntact(b: Bench): Promise<void> {
  const health = await send(b.s, get('/health'));
  const listed = await send(b.s, get('/data?user_id=victim'));
  type Census = { total: number; victims: number; target_version: number | null };
  const seen = (await b.s.db.query<Census>(CENSUS, { target: b.target }))[0]!;
  // Clean up before asserting (the rows and the app's cached pages), so that one write does not
  // fail every later test too.
  if (seen.victims > 0) {
    const removed = await b.s.db.query<{ id: string; version: number }>(CLEAN);
    await b.s.app.cache.written(
      b.s.app.cache.mark(),
      removed.map((r) => ({ id: recordIdOf(r.id), deletedVersion: r.version })),
      ['victim'],
    );
  }
  const expected = b.rows;
  b.rows = seen.total - seen.victims;
  if (seen.target_version !== 1) await newTarget(b);
  expect({ health: health.status, listed: listed.body?.items, ...seen }).toEqual({
    health: 200,
    listed: [],
    total: expected,
    victims: 0,
    target_version: 1,
  });
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const BIG_HEAD = '{"user_id":"victim","payload":{"s":"';
/** About 10 MB of one JSON string value, in 64 KiB chunks. */
function* tenMegabytes(head = BIG_HEAD): Generator<Buffer> {
  yield Buffer.from(head);
  for (let sent = 0; sent < 10 * MB; sent += CHUNK.length) yield CHUNK;
  yield Buffer.from('"}}');
}
const stream = (method: string, path: string, headers: Record<string, string>, head?: string): Hostile => ({
  method,
  path,
  headers,
  chunks: tenMegabytes(head),
});
const TEN_MB = { ...JSON_CT, 'content-length': String(BIG_HEAD.length + 10 * MB + 3) };
const RAW_POST = 'POST /data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';

/** A hostile request (made for the target record's id) and the code that must refuse it. */
type Row = [string, (target: string) => Hostile, string];

describe('hostile requests to the embedded database', () => {
  const b = {} as Bench;
  let slow: TestServer;
  beforeAll(async () => {
    // 8 MiB, so a 5 MB body reaches the parser; 10 MB is still over.
    await open(await startServer('pglite', { BODY_LIMIT_BYTES: String(8 * MB) }), b);
    slow = await startServerOn(b.s.db, { REQUEST_TIMEOUT_MS: '1000' });
    checkers.set(slow, new ContractChecker(slow.app.backend.api));
  });
  afterAll(async () => {
    await slow?.close();
    await b.s?.close();
  });
  afterEach(() => expectIntact(b));

  const refuses = (title: string, rows: Row[]) =>
    test.each<Row>(rows)(title, async (_name, make, code) => {
      expectRefused(await send(b.s, make(b.target)), code);
    });

  refuses('when %s, then it is refused unread or unstored', [
    ['a 10 MB body declares its Content-Length', () => stream('POST', '/data', TEN_MB), 'DAPI-4131'],
    ['a 10 MB body is chunked without a length', () => stream('POST', '/data', JSON_CT), 'DAPI-4131'],
    [
      'a 10 MB merge patch is chunked',
      (t) => stream('PATCH', `/data/${t}`, MERGE_CT, '{"payload":{"s":"'),
      'DAPI-4131',
    ],
    ['the whole body is one 5 MB JSON string', () => post(JSON.stringify('x'.repeat(5e6))), 'DAPI-4001'],
    ['user_id is 5 MB long', () => post(create('{}', 'u'.repeat(5e6))), 'DAPI-4001'],
    [
      'a payload holds a 5 MB string',
      () => post(create(JSON.stringify({ s: 'x'.repeat(5e6) }))),
      'DAPI-4131',
    ],
  ]);

  test.each([
    ['a Content-Length beyond 64 bits', 'Content-Length: 18446744073709551616\r\n'],
    ['a negative Content-Length', 'Content-Length: -1\r\n'],
    ['two different Content-Lengths', 'Content-Length: 2\r\nContent-Length: 3\r\n'],
  ])('when the request has %s, then 400 malformed-request', async (_name, lengths) => {
    expectRefused(await rawSend(b.s, [`${RAW_POST}${lengths}\r\n{}`]), 'DAPI-4006');
  });

  refuses('when %s, then 400 before anything recurses', [
    ['arrays nest 100,000 deep in the payload', () => post(create(`{"a":${nestArrays(DEEP)}}`)), 'DAPI-4004'],
    ['objects nest 100,000 deep in the payload', () => post(create(nestObjects(DEEP))), 'DAPI-4004'],
    ['the body is arrays nested 100,000 deep', () => post(nestArrays(DEEP)), 'DAPI-4004'],
    ['the body is objects nested 100,000 deep', () => post(nestObjects(DEEP)), 'DAPI-4004'],
    ['a merge patch nests 100,000 deep', (t) => patch(t, `{"payload":${nestObjects(DEEP)}}`), 'DAPI-4004'],
    ['a replacement nests 100,000 deep', (t) => put(t, `{"payload":{"a":${nestArrays(DEEP)}}}`), 'DAPI-4004'],
    ['a bulk item nests 100,000 deep', () => bulk(create(nestObjects(DEEP))), 'DAPI-4004'],
    ['100,000 brackets open and never close', () => post('['.repeat(DEEP)), 'DAPI-4004'],
    ['a query parameter nests 3,000 deep', () => get(`/data?user_id${'[a]'.repeat(3000)}=x`), 'DAPI-4001'],
  ]);

  refuses('when %s, then it is refused', [
    ['a string holds invalid UTF-8', () => post(bytes(create('{"s":"'), [0xc3, 0x28], '"}')), 'DAPI-4002'],
    ['a key holds invalid UTF-8', () => post(bytes(create('{"'), [0xff], '":1}')), 'DAPI-4002'],
    ['a string holds an overlong "/"', () => post(bytes(create('{"s":"'), [0xc0, 0xaf], '"}')), 'DAPI-4002'],
    [
      'a key holds an encoded surrogate',
      () => post(bytes(create('{"'), [0xed, 0xa0, 0x80], '":1}')),
      'DAPI-4002',
    ],
    [
      'a merge patch holds invalid UTF-8',
      (t) => patch(t, bytes('{"payload":{"s":"', [0xfe], '"}}')),
      'DAPI-4002',
    ],
    [
      'the body is UTF-16 with its BOM',
      () => post(Buffer.from(`\ufeff${create('{}')}`, 'utf16le')),
      'DAPI-4002',
    ],
    ['the body starts with a UTF-8 BOM', () => post(bytes([0xef, 0xbb, 0xbf], create('{}'))), 'DAPI-4002'],
    ['user_id holds U+0000', () => post('{"user_id":"vic\\u0000tim","payload":{}}'), 'DAPI-4004'],
    ['a bulk user_id holds U+0000', () => bulk('{"user_id":"victim\\u0000","payload":{}}'), 'DAPI-4004'],
    ['a merge patch key holds U+0000', (t) => patch(t, '{"payload":{"a\\u0000":1}}'), 'DAPI-4004'],
    ['the user_id query holds %00', () => get('/data?user_id=victim%00'), 'DAPI-4001'],
    ['limit holds %00', () => list('limit=1%00'), 'DAPI-4001'],
    ['cursor holds %00', () => list('cursor=%00'), 'DAPI-4003'],
    ['created_after holds %00', () => list('created_after=2026-01-01T00:00:00Z%00'), 'DAPI-4001'],
    ['the path id is %00', () => get('/data/%00'), 'DAPI-4041'],
    ['a replacement names id %00', () => put('%00', '{"payload":{}}'), 'DAPI-4041'],
    ['a payload key is a lone high surrogate', () => post(create('{"\\ud800":1}')), 'DAPI-4004'],
    [
      'an envelope key is a lone low surrogate',
      () => post('{"\\udfff":1,"user_id":"victim","payload":{}}'),
      'DAPI-4004',
    ],
    ['a merge patch key is a lone surrogate', (t) => patch(t, '{"payload":{"\\udbff":1}}'), 'DAPI-4004'],
    ['a bulk payload key is a lone surrogate', () => bulk(create('{"\\ud83d":1}')), 'DAPI-4004'],
    ['user_id is a lone surrogate', () => post('{"user_id":"\\ud800","payload":{}}'), 'DAPI-4004'],
    ['a key is a reversed surrogate pair', () => post(create('{"\\ude80\\ud83d":1}')), 'DAPI-4004'],
  ]);

  refuses('when %s, then 400', [
    ['a merge patch holds 1e400', (t) => patch(t, '{"payload":{"n":1e400}}'), 'DAPI-4004'],
    ['a replacement holds -1e400', (t) => put(t, '{"payload":{"n":-1e400}}'), 'DAPI-4004'],
    ['a bulk payload holds 1e400', () => bulk(create('{"n":1e400}')), 'DAPI-4004'],
    [
      'an unknown envelope member is 1e400',
      () => post('{"user_id":"victim","payload":{},"n":1e400}'),
      'DAPI-4004',
    ],
    ['a payload holds 10^400 in digits', () => post(create(`{"n":1${'0'.repeat(400)}}`)), 'DAPI-4004'],
    ['limit is 1e400', () => list('limit=1e400'), 'DAPI-4001'],
    ['limit is 1e-400', () => list('limit=1e-400'), 'DAPI-4001'],
    ['limit is -0', () => list('limit=-0'), 'DAPI-4001'],
    ['limit is Infinity', () => list('limit=Infinity'), 'DAPI-4001'],
    ['limit is NaN', () => list('limit=NaN'), 'DAPI-4001'],
  ]);

  // Numbers keep their digits (docs/payload-numbers.md); one no double comes near is refused
  // rather than stored as 0, as one past a double's range is rather than stored as Infinity.
  refuses('when a number underflows (%s), then 400: it is not rounded to 0', [
    ['1e-400', () => post(create('{"n":1e-400}', 'tiny')), 'DAPI-4004'],
    ['-1e-400 in a bulk item', () => bulk(create('{"m":-1e-400}', 'tiny')), 'DAPI-4004'],
    [
      '0.(400 zeros)1 in a merge patch',
      (t) => patch(t, `{"payload":{"n":0.${'0'.repeat(400)}1}}`),
      'DAPI-4004',
    ],
  ]);

  refuses('when %s, then it is refused, not stored', [
    ['a number has 1,001 digits', () => post(create(`{"n":0.${'1'.repeat(1000)}}`)), 'DAPI-4004'],
    ['a zero has 20,000 digits (0e-20000)', () => post(create('{"n":0e-20000}')), 'DAPI-4004'],
    [
      'a zero has an exponent of 21 digits',
      (t) => put(t, '{"payload":{"n":0e99999999999999999999}}'),
      'DAPI-4004',
    ],
    [
      '60 KB of 1e300 would be 3 MB as stored',
      () => post(create(`{"n":[${Array(10_000).fill('1e300').join(',')}]}`)),
      'DAPI-4131',
    ],
    ['the payload is 1.0, a number kept as its text', () => post(create('1.0')), 'DAPI-4001'],
    [
      'a bulk payload is 2^64, a number kept as its text',
      () => bulk(create('18446744073709551616')),
      'DAPI-4001',
    ],
    ['a merge patch payload is -0', (t) => patch(t, '{"payload":-0}'), 'DAPI-4001'],
    // The same checks on the parse that keeps number text (1.0 sends a body down it).
    ['a kept number sits beside U+0000', () => post(create('{"n":1.0,"s":"a\\u0000"}')), 'DAPI-4004'],
    [
      'a kept number sits beside a duplicate member',
      () => post(create('{"n":1.0,"a":1,"a":2}')),
      'DAPI-4002',
    ],
    ['kept numbers nest 100,000 deep', () => post(create(`{"n":1.0,"a":${nestArrays(DEEP)}}`)), 'DAPI-4004'],
    [
      '90 KB of kept numbers',
      () => post(create(`{"n":[${Array(10_000).fill('1.000000').join(',')}]}`)),
      'DAPI-4131',
    ],
  ]);

  refuses('when %s, then 400 validation-failed', [
    ['user_id is repeated', () => get('/data?user_id=a&user_id=b'), 'DAPI-4001'],
    ['user_id is an array', () => get('/data?user_id[]=victim'), 'DAPI-4001'],
    ['user_id is an object', () => get('/data?user_id[x]=victim'), 'DAPI-4001'],
    ['user_id is {$ne}', () => get('/data?user_id[$ne]=x'), 'DAPI-4001'],
    ['user_id is {$where}', () => get('/data?user_id[$where]=1'), 'DAPI-4001'],
    ['limit is {$gt}', () => list('limit[$gt]=1'), 'DAPI-4001'],
    ['cursor is {$ne}', () => list('cursor[$ne]=x'), 'DAPI-4001'],
    ['created_after is {$gt}', () => list('created_after[$gt]=2020-01-01T00:00:00Z'), 'DAPI-4001'],
    ['created_before is an array', () => list('created_before[]=2020-01-01T00:00:00Z'), 'DAPI-4001'],
    ['cursor is repeated', () => list('cursor=a&cursor=b'), 'DAPI-4001'],
    ['limit is 1.5', () => list('limit=1.5'), 'DAPI-4001'],
    ['limit is -1', () => list('limit=-1'), 'DAPI-4001'],
    ['limit is true', () => list('limit=true'), 'DAPI-4001'],
    ['limit is empty', () => list('limit='), 'DAPI-4001'],
    ['cursor is empty', () => list('cursor='), 'DAPI-4001'],
    ['cursor is 1,025 characters', () => list(`cursor=${'c'.repeat(1025)}`), 'DAPI-4001'],
    ['created_after is a number', () => list('created_after=12345'), 'DAPI-4001'],
    ['created_after is true', () => list('created_after=true'), 'DAPI-4001'],
    ['created_before is a bare date', () => list('created_before=2026-01-01'), 'DAPI-4001'],
    ['user_id is empty', () => get('/data?user_id='), 'DAPI-4001'],
    ['the path id is 10,000 characters', () => get(`/data/${'i'.repeat(10_000)}`), 'DAPI-4001'],
    ['a deletion names an id of 10,000 characters', () => del('i'.repeat(10_000)), 'DAPI-4001'],
    [
      'a replacement names an id of 129 characters',
      () => put('i'.repeat(129), '{"payload":{}}'),
      'DAPI-4001',
    ],
    [
      'If-Match is 1,025 characters',
      (t) => put(t, '{"payload":{}}', { 'if-match': `"${'1'.repeat(1023)}"` }),
      'DAPI-4001',
    ],
    [
      'If-None-Match is 1,025 characters',
      (t) => get(`/data/${t}`, { 'if-none-match': `"${'1'.repeat(1023)}"` }),
      'DAPI-4001',
    ],
    ['user_id is true', () => post('{"user_id":true,"payload":{}}'), 'DAPI-4001'],
    ['user_id is {"$ne": null}', () => post('{"user_id":{"$ne":null},"payload":{}}'), 'DAPI-4001'],
    ['user_id is ["victim"]', () => post('{"user_id":["victim"],"payload":{}}'), 'DAPI-4001'],
    ['the payload is a number', () => post(create('7')), 'DAPI-4001'],
    [
      'an envelope has a $where member',
      () => post('{"user_id":"victim","payload":{},"$where":"1"}'),
      'DAPI-4001',
    ],
    ['bulk items is an object', () => post(`{"items":{"0":${create('{}')}}}`, '/data/bulk'), 'DAPI-4001'],
    ['bulk items is empty', () => bulk(''), 'DAPI-4001'],
    ['a bulk item is null', () => bulk('null'), 'DAPI-4001'],
    ['a merge patch payload is an array', (t) => patch(t, '{"payload":[1]}'), 'DAPI-4001'],
    ['a merge patch payload is null', (t) => patch(t, '{"payload":null}'), 'DAPI-4001'],
    ['a merge patch is an array', (t) => patch(t, '[{"op":"remove","path":"/payload"}]'), 'DAPI-4001'],
    ['a replacement has no payload', (t) => put(t, '{"user_id":"victim"}'), 'DAPI-4001'],
  ]);

  test.each<Row>([
    ['a record id climbs to /etc/passwd', () => get('/data/..%2F..%2Fetc%2Fpasswd'), 'DAPI-4041'],
    ['a deletion climbs to /etc/passwd', () => del('..%2F..%2Fetc%2Fpasswd'), 'DAPI-4041'],
    ['the id is %2e%2e', () => get('/data/%2e%2e'), 'DAPI-4041'],
    ['the id is a literal ..', () => get('/data/..'), 'DAPI-4041'],
    ['the id climbs to /health', () => get('/data/%2e%2e%2f%2e%2e%2fhealth'), 'DAPI-4041'],
    ['the id is double-encoded ../', () => get('/data/%252e%252e%252f'), 'DAPI-4041'],
    ['the id climbs to /data/bulk', () => get('/data/..%2Fdata%2Fbulk'), 'DAPI-4041'],
    ['a documentation file climbs to package.json', () => get('/docs/..%2Fpackage.json'), 'DAPI-4042'],
    ['it climbs with backslashes', () => get('/docs/..%5C..%5Cpackage.json'), 'DAPI-4042'],
    ['it climbs with %2e%2e%2f', () => get('/docs/%2e%2e%2fpackage.json'), 'DAPI-4042'],
    ['it climbs with overlong UTF-8', () => get('/docs/%c0%ae%c0%ae%c0%afpackage.json'), 'DAPI-4001'],
    ['the contract path climbs', () => get('/openapi.json/..%2F..%2Fpackage.json'), 'DAPI-4042'],
  ])('when %s, then nothing outside the API is served', async (_name, make, code) => {
    const a = await send(b.s, make(b.target));
    expectRefused(a, code);
    expect(a.text).not.toMatch(/"name"\s*:\s*"data-api"|root:/);
  });

  test.each([
    [
      'a bare LF in X-Request-Id smuggles a Set-Cookie',
      'GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\nSet-Cookie: p=1\r\n\r\n',
    ],
    [
      'a bare CR in If-Match of a deletion',
      'DELETE /data/{t} HTTP/1.1\r\nHost: x\r\nIf-Match: *\rX-A: 1\r\n\r\n',
    ],
    [
      'an obsolete folded header line',
      'GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\n Set-Cookie: p=1\r\n\r\n',
    ],
    ['a NUL in X-Request-Id', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\0b\r\n\r\n'],
    [
      'Content-Length and Transfer-Encoding (smuggling)',
      `${RAW_POST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    ],
    ['an unknown Transfer-Encoding', `${RAW_POST}Transfer-Encoding: xchunked\r\n\r\n{}`],
    ['a chunk size that is not hex', `${RAW_POST}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ['HTTP/1.1 without Host', 'GET /health HTTP/1.1\r\n\r\n'],
  ])('when a request has %s, then 400 malformed-request and nothing is reflected', async (_name, raw) => {
    const a = await rawSend(b.s, [raw.replace('{t}', b.target)]);
    expectRefused(a, 'DAPI-4006');
    // Nothing of the request comes back; the request id is one the server made.
    expect(a.headers.get('set-cookie')).toBeNull();
    expect(a.headers.get('x-request-id') ?? '').toMatch(/^([0-9a-f-]{36})?$/);
  });

  test('when a CONNECT asks for a tunnel, then it is refused with a problem, not dropped', async () => {
    expectRefused(
      await rawSend(b.s, ['CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n']),
    );
  });

  test('when OPTIONS * or 3,000 small headers arrive, then 404 and 431', async () => {
    expectRefused(await rawSend(b.s, ['OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n']), 'DAPI-4042');
    const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: 1\r\n`).join('');
    expectRefused(await rawSend(b.s, [`GET /health HTTP/1.1\r\nHost: x\r\n${many}\r\n`]), 'DAPI-4311');
  });

  test('when CR/LF arrives percent-encoded in the path, a query or X-Request-Id, then no header carries it', async () => {
    const inPath = await send(b.s, get('/data/x%0d%0aSet-Cookie:%20pwned=1'));
    expectRefused(inPath, 'DAPI-4041');
    const inQuery = await send(b.s, get('/data?user_id=victim%0d%0aX-Injected:%201'));
    expectRefused(inQuery, 'DAPI-4001');
    const inId = await send(
      b.s,
      get('/data?user_id=victim&limit=0', { 'x-request-id': 'a%0d%0aSet-Cookie:%20x' }),
    );
    expectRefused(inId, 'DAPI-4001');
    const obsText = await rawSend(b.s, [
      bytes(
        'GET /data?user_id=victim&limit=0 HTTP/1.1\r\nHost: x\r\nX-Request-Id: a',
        [0xff, 0xfe],
        '\r\n\r\n',
      ),
    ]);
    expectRefused(obsText, 'DAPI-4001');
    for (const a of [inPath, inQuery, inId, obsText]) {
      expect([a.headers.get('set-cookie'), a.headers.get('x-injected')]).toEqual([null, null]);
      expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.body.request_id).toBe(a.headers.get('x-request-id'));
    }
  });

  test('when a GET carries a body, then the body is ignored: nothing is created or changed', async () => {
    const listed = await send(b.s, { ...get('/data?user_id=victim', JSON_CT), body: create('{}') });
    expect([listed.status, listed.body.items]).toEqual([200, []]);
    const chunked = { ...JSON_CT, 'transfer-encoding': 'chunked' };
    const read = await send(b.s, { ...get(`/data/${b.target}`, chunked), chunks: [CHUNK, CHUNK, CHUNK] });
    expect([read.status, read.body.version]).toEqual([200, 1]);
  });

  refuses('when %s, then it is refused and the record stays', [
    [
      'a POST overrides itself to DELETE',
      (t) => ({ ...del(t, { 'x-http-method-override': 'DELETE' }), method: 'POST' }),
      'DAPI-4051',
    ],
    [
      'a POST says X-HTTP-Method: DELETE',
      (t) => ({ ...del(t, { 'x-http-method': 'DELETE', 'x-method-override': 'DELETE' }), method: 'POST' }),
      'DAPI-4051',
    ],
    ['a GET asks for ?_method=DELETE', (t) => get(`/data/${t}?_method=DELETE`), 'DAPI-4001'],
    ['a create asks for ?_method=DELETE', () => post(create('{}'), '/data?_method=DELETE'), 'DAPI-4001'],
  ]);

  test('when a GET says X-HTTP-Method-Override: DELETE, then it is a GET', async () => {
    const a = await send(b.s, get(`/data/${b.target}`, { 'x-http-method-override': 'DELETE' }));
    expect([a.status, a.body.version]).toEqual([200, 1]);
  });

  test('when a payload or merge patch names __proto__ and constructor.prototype, then they are plain members', async () => {
    const proto = '"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}';
    const created = await send(b.s, post(create(`{${proto}}`, 'proto')));
    b.rows++;
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const members = `${proto.replace(/admin/g, 'polluted')},"toString":"x","hasOwnProperty":1`;
    expect((await send(b.s, patch(id, `{"payload":{${members}}}`))).status).toBe(200);
    const read = await send(b.s, get(`/data/${id}`));
    const merged =
      '{"__proto__":{"admin":true,"polluted":true},"constructor":{"prototype":{"admin":true,"polluted":true}}';
    expect(canonical(read.body.payload)).toBe(
      canonical(JSON.parse(`${merged},"toString":"x","hasOwnProperty":1}`)),
    );
    const replaced = await send(b.s, put(id, `{"payload":{"__proto__":{"isAdmin":true}}}`));
    expect(canonical(replaced.body.payload)).toBe('{"__proto__":{"isAdmin":true}}');
  });

  test.each<Row>([
    ['__proto__ carries the whole envelope', () => post(`{"__proto__":${create('{}')}}`), 'DAPI-4001'],
    [
      'the envelope has an extra __proto__',
      () => post('{"user_id":"victim","payload":{},"__proto__":{"admin":true}}'),
      'DAPI-4001',
    ],
    [
      'the envelope has constructor.prototype',
      () => post(`{"user_id":"victim","payload":{},"constructor":{"prototype":{"admin":true}}}`),
      'DAPI-4001',
    ],
    ['a bulk item is inside __proto__', () => bulk(`{"__proto__":${create('{}')}}`), 'DAPI-4001'],
    [
      'the bulk envelope is inside __proto__',
      () => post(`{"__proto__":{"items":[${create('{}')}]}}`, '/data/bulk'),
      'DAPI-4001',
    ],
    [
      'a merge patch envelope is inside __proto__',
      (t) => patch(t, '{"__proto__":{"payload":{"a":2}}}'),
      'DAPI-4001',
    ],
    ['the query names __proto__[admin]', () => list('__proto__[admin]=1'), 'DAPI-4001'],
    [
      'the query names constructor[prototype][admin]',
      () => list('constructor[prototype][admin]=1'),
      'DAPI-4001',
    ],
  ])('when %s, then 400 and nothing is polluted', async (_name, make, code) => {
    expectRefused(await send(b.s, make(b.target)), code);
    expect(['admin', 'polluted', 'isAdmin'].filter((name) => name in {})).toEqual([]);
  });

  test('when pollution was tried, then an unrelated record and /health answer exactly as before', async () => {
    expect(['admin', 'polluted', 'isAdmin'].filter((name) => name in {})).toEqual([]);
    const plain = await send(b.s, post(create('{}', 'plain')));
    b.rows++;
    expect([plain.status, JSON.stringify(plain.body.payload)]).toEqual([201, '{}']);
    const health = await send(b.s, get('/health'));
    expect(Object.keys(health.body).sort()).toEqual(['status', 'timestamp']);
  });

  refuses('when the body is %s encoded twice (a JSON string of JSON), then 400: a string is not an object', [
    ['a create', () => post(JSON.stringify(create('{}'))), 'DAPI-4001'],
    [
      'a create with a duplicate member',
      () => post(JSON.stringify(create('{"role":"user","role":"admin"}'))),
      'DAPI-4001',
    ],
    ['a bulk create', () => post(JSON.stringify(`{"items":[${create('{}')}]}`), '/data/bulk'), 'DAPI-4001'],
    ['a replacement', (t) => put(t, JSON.stringify('{"payload":{"a":2}}')), 'DAPI-4001'],
  ]);

  refuses('when %s, then 400', [
    [
      'a bulk create holds 100,000 empty items (200,000 errors)',
      () => bulk(Array(DEEP).fill('{}').join(',')),
      'DAPI-4005',
    ],
    [
      'a create has 100,000 unknown members',
      () => post(`{${Array.from({ length: DEEP }, (_, i) => `"k${i}":1`).join(',')}}`),
      'DAPI-4001',
    ],
  ]);

  describe('slow and stalled requests (REQUEST_TIMEOUT_MS=1000)', () => {
    const head = (start: string, type: string, more: string) =>
      `${start} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\n${more}\r\n`;

    test('when a Content-Length of 10^12 comes with a short body, then 413 at once, not after the timeout', async () => {
      const a = await rawSend(slow, [`${RAW_POST}Content-Length: 1000000000000\r\n\r\n{"user_id":"victim"`]);
      expectRefused(a, 'DAPI-4131');
      expect(a.ms).toBeLessThan(1000);
    });

    test.each<[string, (t: string) => string[], number]>([
      [
        'a Content-Length larger than the body',
        (t) => [head(`PUT /data/${t}`, 'application/json', 'Content-Length: 1000\r\n') + '{"payload":{"a":'],
        0,
      ],
      [
        'a chunk that never completes',
        (t) => [
          head(`PATCH /data/${t}`, 'application/merge-patch+json', 'Transfer-Encoding: chunked\r\n') +
            '40\r\n{"payload"',
        ],
        0,
      ],
      [
        'headers that never end',
        () => ['GET /health HTTP/1.1\r\nHost: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n'],
        400,
      ],
      [
        'a body that drips a byte every 200 ms',
        () => [`${RAW_POST}Content-Length: 34\r\n\r\n`, ...create('{} ')],
        200,
      ],
    ])('when %s, then 408 within about a second', async (_name, parts, gapMs) => {
      const a = await rawSend(slow, parts(b.target), gapMs);
      expectRefused(a, 'DAPI-4081');
      expect(a.ms).toBeLessThan(3000);
    });
  });
});

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const o = v as Record<string, unknown>;
  const members = Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`);
  return `{${members.join(',')}}`;
}

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE records; --",
  '1; SELECT pg_sleep(10)',
  '{"$ne": null}',
  '{"$gt": ""}',
  '[$where]',
];

describe('injection reaching PostgreSQL', () => {
  const b = {} as Bench;
  beforeAll(async () => open(await startServer('postgres'), b));
  afterAll(async () => {
    await b.s?.close();
  });
  afterEach(() => expectIntact(b));

  test.each<[string, (x: string, t: string) => Hostile, string]>([
    ['user_id in the query', (x) => get(`/data?user_id=${q(x)}`), 'DAPI-4001'],
    ['user_id in the body', (x) => post(JSON.stringify({ user_id: x, payload: {} })), 'DAPI-4001'],
    ['user_id of a bulk item', (x) => bulk(JSON.stringify({ user_id: x, payload: {} })), 'DAPI-4001'],
    ['limit', (x) => list(`limit=${q(x)}`), 'DAPI-4001'],
    ['cursor', (x) => list(`cursor=${q(x)}`), 'DAPI-4003'],
    ['created_after', (x) => list(`created_after=${q(x)}`), 'DAPI-4001'],
    ['created_before', (x) => list(`created_before=${q(x)}`), 'DAPI-4001'],
    ['the path id of a read', (x) => get(`/data/${q(x)}`), 'DAPI-4041'],
    ['the path id of a replacement', (x) => put(q(x), '{"payload":{}}'), 'DAPI-4041'],
    ['the path id of a merge patch', (x) => patch(q(x), '{"payload":{}}'), 'DAPI-4041'],
    ['the path id of a deletion', (x) => del(q(x)), 'DAPI-4041'],
    ['If-Match of a replacement', (x, t) => put(t, '{"payload":{"b":2}}', { 'if-match': x }), 'DAPI-4121'],
    ['If-Match of a deletion', (x, t) => del(t, { 'if-match': x }), 'DAPI-4121'],
    ['X-Request-Id', (x) => get('/data?user_id=victim&limit=0', { 'x-request-id': x }), 'DAPI-4001'],
  ])('when SQL or operator injection is in %s, then it is refused at once', async (_name, make, code) => {
    for (const x of INJECTIONS) {
      const a = await send(b.s, make(x, b.target));
      expectRefused(a, code);
      expect([x, a.ms < 2000, a.headers.get('x-request-id') === x]).toEqual([x, true, false]);
    }
  });

  test('when injection is in If-None-Match, then it matches nothing: 200 with the record', async () => {
    for (const x of INJECTIONS) {
      const a = await send(b.s, get(`/data/${b.target}`, { 'if-none-match': x }));
      expect([x, a.status, a.body.version]).toEqual([x, 200, 1]);
    }
  });

  test('when a cursor is forged with injection inside, then 400 invalid-cursor', async () => {
    const position = { t: "2026-01-01'); DROP TABLE records; --", i: "' OR '1'='1" };
    const body = JSON.stringify({ v: 1, u: 'victim', a: null, b: null, ...position });
    const forged = `${Buffer.from(body).toString('base64url')}.${'A'.repeat(22)}`;
    expectRefused(await send(b.s, list(`cursor=${forged}`)), 'DAPI-4003');
  });

  test('when injection strings are payload keys and values, then they are stored verbatim as data', async () => {
    const payload = Object.fromEntries(INJECTIONS.map((x) => [x, x]));
    const created = await send(b.s, post(JSON.stringify({ user_id: 'sql-data', payload })));
    b.rows++;
    expect(created.status).toBe(201);
    const read = await send(b.s, get(`/data/${created.body.id}`));
    expect(read.body.payload).toEqual(payload);
  });
});

/*
 * The security review against OWASP API Top 10, RFC 8725 and RFC 9110 (issue 20): what an
 * attacker, or a strict client, sends about credentials and HTTP semantics. The servers run on
 * the embedded database with authentication on.
 */
const SECRET = 'hostile-input-hs256-5d1f8a3c9e07b264c1a8';
const LONG_KEY = 'dak_Q7m2vX9pL4sN8wR1tY6uB3eH5jK0cZfGa';
const SHORT_KEY = 'svc-key-1';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function jwt(
  claims: { sub?: string | null; exp?: number | null; scope?: string } = {},
  typ: string | null = 'at+jwt',
): Promise<string> {
  const token = new SignJWT({ scope: claims.scope ?? 'data:read data:write' })
    .setProtectedHeader(typ === null ? { alg: 'HS256' } : { alg: 'HS256', typ })
    .setIssuer('data-api')
    .setAudience('data-api')
    .setIssuedAt();
  if (claims.sub !== null) token.setSubject(claims.sub ?? 'alice');
  if (claims.exp !== null) token.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600);
  return token.sign(new TextEncoder().encode(SECRET));
}

const AUTH_ENV = {
  AUTH_MODE: 'required',
  AUTH_JWT_SECRET: SECRET,
  AUTH_API_KEYS: JSON.stringify([
    { sha256: sha256(LONG_KEY), subject: 'svc', scopes: ['data:read'] },
    { sha256: sha256(SHORT_KEY), subject: 'svc', scopes: ['data:read'] },
  ]),
};

interface Decoded {
  status: number;
  headers: IncomingMessage['headers'];
  /** The content, decoded from its Content-Encoding. */
  body: Buffer;
  encoding: string | undefined;
}

/** One request over node:http, its answer decoded by hand (node:http decodes nothing). */
function fetchRaw(s: TestServer, method: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(s.url);
  return new Promise<Decoded>((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(parts);
        const encoding = res.headers['content-encoding'];
        const body =
          raw.length === 0
            ? raw
            : encoding === 'gzip'
              ? gunzipSync(raw)
              : encoding === 'br'
                ? brotliDecompressSync(raw)
                : encoding === 'zstd'
                  ? zstdDecompressSync(raw)
                  : raw;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, encoding });
      });
    });
    req.setTimeout(BOUND_MS, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('hostile credentials and HTTP semantics (the security review)', () => {
  let s: TestServer;
  let alice: string;
  let recordId: string;
  beforeAll(async () => {
    s = await startServer('pglite', {
      ...AUTH_ENV,
      CORS_ALLOWED_ORIGINS: 'https://app.example.com',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '100000',
      RATE_LIMIT_WRITE_PER_MINUTE: '100000',
      AUTH_FAILURES_PER_MINUTE: '100000',
    });
    checkers.set(s, new ContractChecker(s.app.backend.api));
    alice = `Bearer ${await jwt()}`;
    const created = await send(s, {
      ...post(create('{"a":1}', 'alice')),
      headers: { ...JSON_CT, authorization: alice },
    });
    expect(created.status).toBe(201);
    recordId = created.body.id as string;
  });
  afterAll(async () => {
    await s?.close();
  });
  const as = (h: Hostile, authorization = alice): Hostile => ({
    ...h,
    headers: { ...h.headers, authorization },
  });

  test.each<[string, () => Promise<string>]>([
    ['has no exp (it would be valid forever)', () => jwt({ exp: null })],
    ['has no sub', () => jwt({ sub: null })],
    ['names a sub with a space', () => jwt({ sub: 'alice smith' })],
    ['names a sub of 129 characters', () => jwt({ sub: 'a'.repeat(129) })],
    ['names a sub with a slash', () => jwt({ sub: '../alice' })],
    ['is typed JWT, not an access token (at+jwt)', () => jwt({}, 'JWT')],
    ['is not typed', () => jwt({}, null)],
  ])('when a bearer token %s, then 401 invalid_token, twice (nothing is remembered)', async (_name, make) => {
    const token = await make();
    for (let i = 0; i < 2; i++) {
      const a = await send(s, as(get('/data?user_id=alice'), `Bearer ${token}`));
      expectRefused(a, 'DAPI-4011');
      expect(a.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  test('when a token is typed application/at+jwt, then it is an access token as at+jwt is', async () => {
    const a = await send(s, as(get('/data?user_id=alice'), `Bearer ${await jwt({}, 'application/at+jwt')}`));
    expect(a.status).toBe(200);
  });

  test('when bad credentials come with a large body, then 401 at once and the connection closes unread', async () => {
    const raw = `${RAW_POST}Authorization: Bearer not.a.token\r\nContent-Length: 50000000\r\n\r\n{"user_id":`;
    const a = await rawSend(s, [raw]);
    expectRefused(a, 'DAPI-4011');
    expect([a.ms < 2000, a.headers.get('connection')]).toEqual([true, 'close']);
  });

  test('when Bearer and the token are separated by several spaces (1*SP), then the token is read', async () => {
    const token = await jwt();
    for (const authorization of [`Bearer  ${token}`, `bearer   ${token}`, `BEARER ${token}`]) {
      expect((await send(s, as(get('/data?user_id=alice'), authorization))).status).toBe(200);
    }
    expectRefused(await send(s, as(get('/data?user_id=alice'), `Bearer\t${token}`)), 'DAPI-4011');
  });

  test('when a configured API key is shorter than 32 characters, then it is refused; a long one is taken', async () => {
    expectRefused(await send(s, get('/data?user_id=svc', { 'x-api-key': SHORT_KEY })), 'DAPI-4011');
    expectRefused(await send(s, get('/data?user_id=svc', { 'x-api-key': 'a'.repeat(40) })), 'DAPI-4011');
    expect((await send(s, get('/data?user_id=svc', { 'x-api-key': LONG_KEY }))).status).toBe(200);
  });

  test.each<[string, string]>([
    ['a body that never arrives', `${RAW_POST}Content-Length: 1000\r\n\r\n{"user_id":`],
    [
      'a body of the wrong type',
      'POST /data HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi',
    ],
    ['a body over the limit', `${RAW_POST}Content-Length: 1000000000\r\n\r\n{`],
    ['a body that is not JSON', `${RAW_POST}Content-Length: 5\r\n\r\n{{{{{`],
    ['Expect: 100-continue', `${RAW_POST}Expect: 100-continue\r\nContent-Length: 20\r\n\r\n`],
  ])('when a write without credentials has %s, then 401 at once, the body unread', async (_name, raw) => {
    const a = await rawSend(s, [raw]);
    expectRefused(a, 'DAPI-4011');
    expect(a.ms).toBeLessThan(2000);
    expect(a.headers.get('www-authenticate')).toBe('Bearer realm="data-api"');
    // The body that did not come, or is not wanted, is not waited for on this connection.
    expect(a.headers.get('connection')).toBe('close');
  });

  test('when a client with credentials sends Expect: 100-continue, then 100 Continue comes before it sends the body', async () => {
    const { hostname, port } = new URL(s.url);
    const body = create('{"c":1}', 'alice');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: hostname,
          port,
          method: 'POST',
          path: '/data',
          agent: false,
          headers: {
            ...JSON_CT,
            authorization: alice,
            expect: '100-continue',
            'content-length': String(body.length),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.setTimeout(BOUND_MS, () => req.destroy(new Error('no 100 Continue')));
      req.on('error', reject);
      req.on('continue', () => req.end(body));
    });
    expect(status).toBe(201);
  });

  test('when an answer concerns /data, then it is no-store and varies by the credentials, errors included', async () => {
    for (const a of [
      await send(s, as(get('/data?user_id=alice'))),
      await send(s, as(get(`/data/${recordId}`))),
      await send(s, as(get('/data/ffffffff-ffff-7fff-bfff-000000000000'))),
      await send(s, get('/data?user_id=alice')),
      await send(s, as(post(create('{}', 'alice')))),
    ]) {
      expect([a.status, a.headers.get('cache-control')]).toEqual([a.status, 'no-store']);
      expect(a.headers.get('vary')?.toLowerCase()).toMatch(/authorization.*x-api-key/);
    }
    // Reference data stays cacheable.
    expect((await send(s, get('/openapi.json'))).headers.get('cache-control')).toMatch(/^public, max-age=/);
  });

  // Accept-Encoding (RFC 9110 12.5.3): a large answer (the contract), a small one, an error.
  test.each<[string, string | null]>([
    ['identity;q=0', null],
    ['*;q=0', null],
    ['zstd;q=0, br;q=0, gzip;q=0, identity;q=0', null],
    ['GZIP;q=0, identity;q=0, *;q=0', null],
    ['gzip, identity;q=0', 'gzip'],
    ['br;q=1, gzip;q=0.5, identity;q=0', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['identity;q=0, *', 'any'],
    ['*;q=0, identity', 'identity'],
    ['gzip;q=0', 'identity'],
    ['', 'identity'],
  ])(
    'when Accept-Encoding is "%s", then every answer is in an accepted coding (%s), or 406',
    async (accept, coding) => {
      for (const path of ['/openapi.json', '/health', '/data/unknown', `/data/${recordId}`]) {
        const a = await fetchRaw(s, 'GET', path, { 'accept-encoding': accept, authorization: alice });
        const text = a.body.toString();
        if (coding === null) {
          expect([path, a.status, a.encoding, JSON.parse(text).code]).toEqual([
            path,
            406,
            undefined,
            'DAPI-4061',
          ]);
          expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(a.headers['x-content-type-options']).toBe('nosniff');
          expect(a.headers['cache-control'] ?? '').not.toMatch(/public/);
          continue;
        }
        expect([path, a.status]).toEqual([path, path.includes('unknown') ? 404 : 200]);
        if (coding === 'identity') expect([path, a.encoding]).toEqual([path, undefined]);
        else if (coding === 'any')
          expect([path, a.encoding]).toEqual([path, expect.stringMatching(/^(zstd|br|gzip)$/)]);
        else expect([path, a.encoding]).toEqual([path, coding]);
        expect(() => JSON.parse(text)).not.toThrow();
      }
    },
  );

  test('when nothing is acceptable, then a write is refused before it is done', async () => {
    const a = await fetchRaw(s, 'DELETE', `/data/${recordId}`, {
      'accept-encoding': 'identity;q=0',
      authorization: alice,
    });
    expect(a.status).toBe(406);
    expect((await send(s, as(get(`/data/${recordId}`)))).status).toBe(200);
  });

  test.each([
    '/data?user_id=alice',
    '/data/{id}',
    '/health',
    '/ready',
    '/metrics',
    '/openapi.json',
    '/openapi.yaml',
    '/docs',
    '/docs/swagger-ui.css',
  ])(
    'when HEAD asks for %s, then the header fields of its GET come back without content',
    async (template) => {
      const path = template.replace('{id}', recordId);
      for (const accept of ['identity', 'gzip']) {
        const headers = { authorization: alice, 'accept-encoding': accept };
        const got = await fetchRaw(s, 'GET', path, headers);
        const head = await fetchRaw(s, 'HEAD', path, headers);
        const same = (h: IncomingMessage['headers']) => ({
          type: h['content-type'],
          // The metrics change between two scrapes.
          length: path === '/metrics' ? 'varies' : h['content-length'],
          encoding: h['content-encoding'],
          etag: h.etag,
          cache: h['cache-control'],
          vary: h.vary,
        });
        expect([path, head.status, head.body.length]).toEqual([path, got.status, 0]);
        expect(same(head.headers)).toEqual(same(got.headers));
      }
    },
  );

  test('when HEAD asks for a path without GET, then 405 lists the methods, HEAD among them where GET is', async () => {
    const bulkHead = await send(s, { method: 'HEAD', path: '/data/bulk' });
    expect([bulkHead.status, bulkHead.headers.get('allow')]).toEqual([405, 'POST']);
    const onRecord = await send(s, as(post('{}', `/data/${recordId}`)));
    expect(onRecord.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
  });

  describe('conditional requests on every method (RFC 9110 13.2.2)', () => {
    let id: string;
    beforeEach(async () => {
      const created = await send(s, as(post(create('{"v":1}', 'alice'))));
      id = created.body.id as string;
    });
    const version = async () => (await send(s, as(get(`/data/${id}`)))).body?.version as number | undefined;

    test.each<[string, (t: string) => Hostile, number]>([
      [
        'a replacement has If-None-Match: *',
        (t) => put(t, '{"payload":{"v":2}}', { 'if-none-match': '*' }),
        412,
      ],
      [
        'a merge patch has If-None-Match: *',
        (t) => ({ ...patch(t, '{"payload":{"v":2}}'), headers: { ...MERGE_CT, 'if-none-match': '*' } }),
        412,
      ],
      [
        'a replacement names the current tag in If-None-Match',
        (t) => put(t, '{"payload":{"v":2}}', { 'if-none-match': 'W/"9", "1"' }),
        412,
      ],
      ['a deletion names the current tag in If-None-Match', (t) => del(t, { 'if-none-match': '"1"' }), 412],
      ['a deletion has If-None-Match: *', (t) => del(t, { 'if-none-match': '*' }), 412],
      [
        'a replacement says If-Match: "01" for "1"',
        (t) => put(t, '{"payload":{"v":2}}', { 'if-match': '"01"' }),
        412,
      ],
      ['a deletion says If-Match: "+1" for "1"', (t) => del(t, { 'if-match': '"+1"' }), 412],
    ])('when %s, then %i and nothing changes', async (_name, make, status) => {
      const a = await send(s, as(make(id)));
      expectRefused(a, `DAPI-${status}1`);
      expect(await version()).toBe(1);
    });

    test('when a write names another tag in If-None-Match, then it happens', async () => {
      expect((await send(s, as(put(id, '{"payload":{"v":2}}', { 'if-none-match': '"7"' })))).status).toBe(
        200,
      );
      expect((await send(s, as(del(id, { 'if-none-match': '"1"' })))).status).toBe(204);
    });

    test('when a read has If-Match, then it is evaluated before If-None-Match', async () => {
      const read = (headers: Record<string, string>) => send(s, as(get(`/data/${id}`, headers)));
      expectRefused(await read({ 'if-match': '"2"' }), 'DAPI-4121');
      expectRefused(await read({ 'if-match': '"01"' }), 'DAPI-4121');
      expectRefused(await read({ 'if-match': '"2"', 'if-none-match': '"1"' }), 'DAPI-4121');
      expect((await read({ 'if-match': '"1"', 'if-none-match': '"1"' })).status).toBe(304);
      expect((await read({ 'if-match': '*' })).status).toBe(200);
      expect((await read({ 'if-match': '"1"' })).status).toBe(200);
      const head = await send(s, { ...as(get(`/data/${id}`, { 'if-match': '"2"' })), method: 'HEAD' });
      expect([head.status, head.text]).toEqual([412, '']);
    });

    test('when the record does not exist, then 404 whatever the conditions say', async () => {
      const missing = 'ffffffff-ffff-7fff-bfff-000000000001';
      expectRefused(await send(s, as(put(missing, '{"payload":{}}', { 'if-none-match': '*' }))), 'DAPI-4041');
      expectRefused(await send(s, as(get(`/data/${missing}`, { 'if-match': '"1"' }))), 'DAPI-4041');
    });
  });

  test('when Expect names anything but 100-continue, then 417 problem+json with the security headers and a request id', async () => {
    for (const expectation of ['something', '100-continue, x', '200-ok']) {
      const a = await rawSend(s, [`GET /health HTTP/1.1\r\nHost: x\r\nExpect: ${expectation}\r\n\r\n`]);
      expectRefused(a, 'DAPI-4171');
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      expect(a.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(a.body.request_id).toBe(a.headers.get('x-request-id'));
    }
  });

  test('when a request carries two Host lines, then 400 malformed-request', async () => {
    for (const hosts of ['Host: a\r\nHost: b\r\n', 'Host: a\r\nhost: a\r\n']) {
      expectRefused(await rawSend(s, [`GET /health HTTP/1.1\r\n${hosts}\r\n`]), 'DAPI-4006');
    }
  });

  test('when /data/bulk/ has a trailing slash, then it is /data/bulk, never /data/{id} with id=bulk', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const a = await send(s, { ...as(get('/data/bulk/')), method });
      expect([method, a.status, a.headers.get('allow')]).toEqual([method, 405, 'POST']);
    }
    const preflight = await send(s, {
      method: 'OPTIONS',
      path: '/data/bulk/',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-methods')]).toEqual([204, 'POST']);
    const created = await send(s, as(post(`{"items":[${create('{}', 'alice')}]}`, '/data/bulk/')));
    expect(created.status).toBe(201);
  });

  test.each(['0x10', '1e2', '+1', '1.0', ' 1', '1 ', '0b1', '1_0'])(
    'when limit is %j, then 400: decimal digits only',
    async (limit) => {
      expectRefused(await send(s, as(get(`/data?user_id=alice&limit=${q(limit)}`))), 'DAPI-4001');
    },
  );

  test('when created_before has digits past the millisecond, then "strictly before" keeps the boundary record', async () => {
    const made = await send(
      s,
      as(post(create('{"edge":1}', 'edge'), '/data'), `Bearer ${await jwt({ sub: 'edge' })}`),
    );
    const at = made.body.created_at as string; // e.g. 2026-12-06T05:40:12.345Z
    const edge = `Bearer ${await jwt({ sub: 'edge' })}`;
    const listed = async (before: string) =>
      (await send(s, as(get(`/data?user_id=edge&created_before=${q(before)}`), edge))).body.items
        .length as number;
    expect(await listed(at.replace('Z', '1Z'))).toBe(1);
    expect(await listed(at.replace('Z', '000001Z'))).toBe(1);
    expect(await listed(at)).toBe(0);
    expect(await listed(at.replace('Z', '000Z'))).toBe(0);
    expect(
      await listed(
        at
          .replace(/\.\d+Z$/, '.999999+00:00')
          .replace(/:(\d\d)\./, (_m, sec) => `:${String(Number(sec) - 1).padStart(2, '0')}.`),
      ),
    ).toBe(0);
  });

  test('when a well-formed UUIDv7 carries a time past the year 9999, then 404, as any id that names nothing', async () => {
    for (const id of ['ffffffff-ffff-7fff-bfff-ffffffffffff', 'e8d4a510-0000-7000-8000-000000000000']) {
      expectRefused(await send(s, as(get(`/data/${id}`))), 'DAPI-4041');
      expectRefused(await send(s, as(put(id, '{"payload":{}}'))), 'DAPI-4041');
      expectRefused(await send(s, as(del(id))), 'DAPI-4041');
    }
  });
});

describe('abuse budgets (the security review)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite', {
      ...AUTH_ENV,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '3',
      RATE_LIMIT_WRITE_PER_MINUTE: '10',
      AUTH_FAILURES_PER_MINUTE: '5',
    });
    checkers.set(s, new ContractChecker(s.app.backend.api));
  });
  afterAll(async () => {
    await s?.close();
  });

  test('when anonymous requests name a new user_id each time, then they still share the address budget', async () => {
    // The address has 3 reads a minute: a user_id of the client's choosing must not add any.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(s, get(`/data?user_id=someone${i}`))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const retry = await send(s, get('/data?user_id=someone-else'));
    expect([retry.status, retry.headers.get('ratelimit-policy')]).toEqual([429, '"read";q=3;w=60']);
  });

  test('when a bulk create holds many items, then it spends one write per item, at most the whole burst', async () => {
    const writer = `Bearer ${await jwt({ sub: 'writer' })}`;
    const items = (n: number) => Array.from({ length: n }, () => create('{}', 'writer')).join(',');
    const eight = await send(s, {
      ...post(`{"items":[${items(8)}]}`, '/data/bulk'),
      headers: { ...JSON_CT, authorization: writer },
    });
    expect([eight.status, eight.headers.get('ratelimit')]).toEqual([
      201,
      expect.stringMatching(/^"write";r=2;/),
    ]);
    const five = await send(s, {
      ...post(`{"items":[${items(5)}]}`, '/data/bulk'),
      headers: { ...JSON_CT, authorization: writer },
    });
    expectRefused(five, 'DAPI-4291');
    const listed = await send(s, get('/data?user_id=writer&limit=100', { authorization: writer }));
    expect(listed.body?.items?.length ?? 8).toBe(8);
    const burster = `Bearer ${await jwt({ sub: 'burster' })}`;
    const fifty = await send(s, {
      ...post(
        `{"items":[${Array.from({ length: 50 }, () => create('{}', 'burster')).join(',')}]}`,
        '/data/bulk',
      ),
      headers: { ...JSON_CT, authorization: burster },
    });
    expect([fifty.status, fifty.headers.get('ratelimit')]).toEqual([
      201,
      expect.stringMatching(/^"write";r=0;/),
    ]);
  });
  test('when bad credentials keep coming from one address, then 401s spend its budget and then 429 comes before any check', async () => {
    const good = `Bearer ${await jwt({ sub: 'guesser' })}`;
    const bad = [
      ...Array.from({ length: 3 }, (_, i) => ({ authorization: `Bearer ${good.slice(7, -4)}AAA${i}` })),
      { 'x-api-key': 'dak_wrongwrongwrongwrongwrongwrong0' },
      { authorization: 'Bearer not.a.token' },
    ];
    for (const [i, headers] of bad.entries()) {
      const a = await send(s, get('/data?user_id=guesser', headers));
      expectRefused(a, 'DAPI-4011');
      expect(a.headers.get('ratelimit-policy')).toBe('"auth";q=5;w=60');
      expect(a.headers.get('ratelimit')).toMatch(new RegExp(`^"auth";r=${4 - i};t=\\d+$`));
    }
    const refused = await send(s, get('/data?user_id=guesser', { authorization: 'Bearer still.not.one' }));
    expectRefused(refused, 'DAPI-4291');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Even a good token from that address waits: it is not checked at all.
    expectRefused(await send(s, get('/data?user_id=guesser', { authorization: good })), 'DAPI-4291');
    // Without credentials nothing is guessed: the auth budget is not asked (only the read one).
    const anonymous = await send(s, get('/data?user_id=guesser'));
    expect(anonymous.headers.get('ratelimit-policy')).toBe('"read";q=3;w=60');
    expect(await metricValue(s, 'rate_limited_requests_total{kind="auth"}')).toBe(2);
  });
});

describe('the default budget of failed authentication (rate limiting otherwise off)', () => {
  let s: TestServer;
  beforeAll(async () => {
    // The test helper turns RATE_LIMIT_ENABLED off; AUTH_FAILURES_PER_MINUTE keeps its default.
    s = await startServer('pglite', AUTH_ENV);
  });
  afterAll(async () => {
    await s?.close();
  });

  test('when 130 bad bearer tokens arrive from one address, then 30 are answered 401 and 100 are 429', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 130; i++) {
      const a = await send(s, get('/data?user_id=alice', { authorization: `Bearer not.a.token${i}` }));
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 30, 429: 100 });
  });
});

/*
 * payload_contains, the export and the erase (issue 15): injection through the filter's keys and
 * values, filters huge and deep, percent-encoding tricks, JSON that is not an object, names that
 * look like paths; an erase or an export aimed at everyone. Nothing is written, nothing leaks.
 */
describe('hostile payload filters, exports and erases (PostgreSQL)', () => {
  const b = {} as Bench;
  beforeAll(async () => open(await startServer('postgres'), b));
  afterAll(async () => {
    await b.s?.close();
  });
  afterEach(() => expectIntact(b));

  const filtered = (raw: string, path = '/data') => get(`${path}?user_id=sql-filter&payload_contains=${raw}`);
  const erase = (query: string): Hostile => ({ method: 'DELETE', path: `/data${query}` });

  test('when injection strings are the keys and values of a filter, then they are data: each finds exactly its record', async () => {
    const made: string[] = [];
    for (const x of INJECTIONS) {
      const created = await send(b.s, post(create(JSON.stringify({ [x]: x, other: 1 }), 'sql-filter')));
      b.rows++;
      made.push(created.body.id as string);
    }
    for (const [i, x] of INJECTIONS.entries()) {
      const found = await send(b.s, filtered(q(JSON.stringify({ [x]: x }))));
      expect([x, found.status, found.body.items.map((r: { id: string }) => r.id)]).toEqual([
        x,
        200,
        [made[i]],
      ]);
      // The key with another value, or the value under another key, finds nothing.
      const crossed = await send(b.s, filtered(q(JSON.stringify({ [x]: `${x} ` }))));
      expect([x, crossed.body.items]).toEqual([x, []]);
    }
  });

  test.each([
    ['MongoDB operators', '{"$ne":null}'],
    ['a nested operator', '{"other":{"$gt":0}}'],
    ['a path-like name', '{"other.x":1}'],
    ['a JSONPath', '{"$.other":1}'],
    ['quotes in a name', '{"o\\"ther":1}'],
    ['a name with a backslash', '{"other\\\\":1}'],
    ['@ and $', '{"@":1,"$":1}'],
    ['SQL in a name', '{"other\') OR true --":1}'],
  ])('when a filter names %s, then it is a plain member name: nothing matches', async (_what, filter) => {
    const a = await send(b.s, filtered(q(filter)));
    expect([filter, a.status, a.body.items]).toEqual([filter, 200, []]);
  });

  test.each<[string, string, string]>([
    ['over 2,048 characters', q(JSON.stringify({ a: 'y'.repeat(3000) })), 'DAPI-4001'],
    ['300 levels deep in 1,801 characters', q(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`), 'DAPI-4004'],
    ['400 arrays deep', q(`{"a":${nestArrays(400)}}`), 'DAPI-4004'],
    ['encoded twice', q(q('{"a":1}')), 'DAPI-4002'],
    ['a malformed escape', '%7B%22a%22%3A%G1%7D', 'DAPI-4002'],
    ['an overlong UTF-8 form', '%7B%22a%22%3A%22%C0%AE%22%7D', 'DAPI-4002'],
    ['a raw U+0000 in a string (JSON takes no raw control character)', q('{"a":"\u0000"}'), 'DAPI-4002'],
    ['U+0000 escaped in a value', q('{"a":"\\u0000"}'), 'DAPI-4004'],
    ['a lone surrogate escaped', q('{"a":"\\udc00"}'), 'DAPI-4004'],
    ['a number past a double', q('{"a":1e999}'), 'DAPI-4004'],
    ['a member twice', q('{"a":1,"a":1}'), 'DAPI-4002'],
    ['JSON that is an array', q('[{"a":1}]'), 'DAPI-4001'],
    ['JSON that is a string holding an object', q('"{\\"a\\":1}"'), 'DAPI-4001'],
    ['JSON that is true', 'true', 'DAPI-4001'],
    ['a byte-order mark before the object', q('\ufeff{"a":1}'), 'DAPI-4002'],
    ['JavaScript, not JSON', q("{a:1,'b':2}"), 'DAPI-4002'],
  ])('when payload_contains is %s, then 400 before any statement', async (_what, raw, code) => {
    for (const path of ['/data', '/data/export']) expectRefused(await send(b.s, filtered(raw, path)), code);
  });

  test('when payload_contains is repeated or written as a nested query object, then 400', async () => {
    const one = q('{"a":1}');
    for (const query of [
      `payload_contains=${one}&payload_contains=${one}`,
      `payload_contains[]=${one}`,
      `payload_contains[a]=1`,
      `payload_contains.a=1`,
    ]) {
      expectRefused(await send(b.s, get(`/data?user_id=sql-filter&${query}`)), 'DAPI-4001');
    }
  });

  test('when a + is sent unencoded in a filter, then it is a space (application/x-www-form-urlencoded); encoded, it is a +', async () => {
    const created = await send(b.s, post(create('{"s":"a+b"}', 'sql-filter')));
    b.rows++;
    const plain = await send(b.s, filtered('%7B%22s%22%3A%22a+b%22%7D'));
    const encoded = await send(b.s, filtered(q('{"s":"a+b"}')));
    expect([plain.body.items, encoded.body.items.map((r: { id: string }) => r.id)]).toEqual([
      [],
      [created.body.id],
    ]);
  });

  test.each([
    ['no user_id', ''],
    ['an empty user_id', '?user_id='],
    ['a wildcard', '?user_id=*'],
    ['a SQL pattern', `?user_id=${q('%')}`],
    ['SQL injection', `?user_id=${q("' OR '1'='1")}`],
    ['a NUL', '?user_id=victim%00'],
    ['two user_ids', '?user_id=owner&user_id=victim'],
    ['a nested query object', '?user_id[]=owner'],
    ['an unknown parameter beside it', '?user_id=owner&all=true'],
  ])('when an erase names %s, then 400 and nothing is deleted', async (_what, query) => {
    expectRefused(await send(b.s, erase(query)), 'DAPI-4001');
  });

  test('when an export names another user by injection, a wildcard or nothing, then 400 before anything is streamed', async () => {
    for (const query of [
      '',
      '?user_id=*',
      `?user_id=${q("owner' OR '1'='1")}`,
      '?user_id=owner&user_id=victim',
    ]) {
      expectRefused(await send(b.s, get(`/data/export${query}`)), 'DAPI-4001');
    }
  });
});
