/**
 * Every documented error the server can give for bad input, provoked over real HTTP. Each
 * answer is problem+json with a catalog code, checked against the contract, and nothing is
 * written.
 */
import { request as httpRequest } from 'node:http';
import { startServer, type TestServer } from '../helpers/server.js';

const JSON_CT = { 'content-type': 'application/json' };

describe('bad input answers 4xx problem+json and writes nothing', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite', { PAYLOAD_LIMIT_BYTES: '4096', BODY_LIMIT_BYTES: '16384' });
  });
  afterAll(async () => {
    await s.close();
  });

  async function expectNothingWritten(userId = 'victim') {
    const res = await s.request('GET', `/data?user_id=${userId}`);
    expect(res.body.items).toEqual([]);
  }

  async function post(raw: string | Buffer, headers: Record<string, string> = JSON_CT) {
    return s.request('POST', '/data', { raw, headers });
  }

  test.each([
    ['truncated JSON', '{"user_id": "victim", "payload": {'],
    ['a trailing comma', '{"user_id": "victim", "payload": {},}'],
    ['single quotes', "{'user_id': 'victim'}"],
    ['NaN', '{"user_id": "victim", "payload": {"n": NaN}}'],
    ['a duplicate member', '{"user_id": "victim", "payload": {}, "user_id": "other"}'],
    [
      'a duplicate member in the payload',
      '{"user_id": "victim", "payload": {"role": "user", "role": "admin"}}',
    ],
  ])('when the body is malformed JSON (%s), then 400 malformed-json', async (_name, raw) => {
    const res = await post(raw);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DAPI-4002');
    await expectNothingWritten();
  });

  test('when the body is not UTF-8, then 400 malformed-json', async () => {
    const res = await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DAPI-4002');
  });

  test('when the body is empty, then 400 names the body', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ location: 'body', pointer: '', detail: 'is required' }]);
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['form', 'application/x-www-form-urlencoded'],
    ['a charset other than UTF-8', 'application/json; charset=latin1'],
  ])('when Content-Type is %s, then 415', async (_name, type) => {
    const res = await post('{"user_id":"victim","payload":{}}', { 'content-type': type });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('DAPI-4151');
    await expectNothingWritten();
  });

  test('when Content-Type is missing, then 415', async () => {
    const res = await post('{"user_id":"victim","payload":{}}', {});
    expect(res.status).toBe(415);
  });

  test('when Content-Type is application/json; charset=utf-8, then it is accepted', async () => {
    const res = await post('{"user_id":"charset","payload":{}}', {
      'content-type': 'application/json; charset=UTF-8',
    });
    expect(res.status).toBe(201);
  });

  test.each([
    ['an unknown envelope field', { user_id: 'victim', payload: {}, extra: 1 }, '/extra', 'is not allowed'],
    ['a missing payload', { user_id: 'victim' }, '/payload', 'is required'],
    ['a missing user_id', { payload: {} }, '/user_id', 'is required'],
    ['payload as an array', { user_id: 'victim', payload: [1] }, '/payload', 'must be object'],
    ['payload as a string', { user_id: 'victim', payload: 'x' }, '/payload', 'must be object'],
    ['payload as null', { user_id: 'victim', payload: null }, '/payload', 'must be object'],
    ['an empty user_id', { user_id: '', payload: {} }, '/user_id', 'must NOT have fewer than 1 characters'],
    [
      'user_id with a space',
      { user_id: 'a b', payload: {} },
      '/user_id',
      'must match pattern "^[A-Za-z0-9._@:-]{1,128}$"',
    ],
    [
      'user_id of 129 characters',
      { user_id: 'u'.repeat(129), payload: {} },
      '/user_id',
      'must NOT have more than 128 characters',
    ],
    ['user_id as a number', { user_id: 7, payload: {} }, '/user_id', 'must be string'],
  ])('when the body has %s, then 400 lists the field', async (_name, body, pointer, detail) => {
    const res = await s.request('POST', '/data', { body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DAPI-4001');
    expect(res.body.errors).toContainEqual({ location: 'body', pointer, detail });
    await expectNothingWritten();
  });

  test('when a body is an array or a scalar, then 400', async () => {
    for (const raw of ['[]', '"x"', '1', 'null']) {
      const res = await post(raw);
      expect(res.status).toBe(400);
    }
  });

  test.each([
    ['U+0000 in a value', '{"user_id":"victim","payload":{"s":"a\\u0000b"}}', '/payload/s'],
    ['U+0000 in a key', '{"user_id":"victim","payload":{"a\\u0000":1}}', '/payload/a\u0000'],
    ['a lone high surrogate', '{"user_id":"victim","payload":{"s":"\\ud800"}}', '/payload/s'],
    ['a lone low surrogate', '{"user_id":"victim","payload":{"s":"x\\udc00"}}', '/payload/s'],
    ['1e400', '{"user_id":"victim","payload":{"n":1e400}}', '/payload/n'],
    ['-1e400', '{"user_id":"victim","payload":{"n":[-1e400]}}', '/payload/n/0'],
  ])(
    'when the payload holds %s, then 400 unsupported-json-value points at it',
    async (_name, raw, pointer) => {
      const res = await post(raw);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('DAPI-4004');
      expect(res.body.errors[0].pointer).toBe(pointer);
      await expectNothingWritten();
    },
  );

  test('when a payload holds a paired surrogate, -0 and 1e308, then it is stored', async () => {
    const res = await post('{"user_id":"fine","payload":{"s":"\\ud83d\\ude80","z":-0,"big":1e308}}');
    expect(res.status).toBe(201);
    expect(res.body.payload).toEqual({ s: '🚀', z: 0, big: 1e308 });
  });

  test('when the payload nests deeper than JSON_MAX_DEPTH, then 400; at the limit it is stored', async () => {
    const nest = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    const deep = await post(`{"user_id":"victim","payload":${nest(33)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('DAPI-4004');
    const ok = await post(`{"user_id":"depth","payload":${nest(32)}}`);
    expect(ok.status).toBe(201);
    const hostile = await post(`{"user_id":"victim","payload":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(hostile.status).toBe(400);
    await expectNothingWritten();
  });

  test('when the payload is over PAYLOAD_LIMIT_BYTES, then 413', async () => {
    const res = await s.request('POST', '/data', {
      body: { user_id: 'victim', payload: { s: 'x'.repeat(5000) } },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('DAPI-4131');
    await expectNothingWritten();
  });

  test('when the body is over BODY_LIMIT_BYTES, then 413, whether declared or streamed', async () => {
    const big = JSON.stringify({ user_id: 'victim', payload: { s: 'x'.repeat(20000) } });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    // Several times: the 413 must win the race against the rest of the body arriving.
    for (let round = 0; round < 5; round++) {
      const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(s.url);
        const req = httpRequest(
          { host: url.hostname, port: url.port, method: 'POST', path: '/data', headers: JSON_CT },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        // Chunked, so no Content-Length tells the size up front.
        for (let i = 0; i < 4; i++) req.write(big.slice(i * 6000, (i + 1) * 6000));
        req.end();
      });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.body).code).toBe('DAPI-4131');
    }
    await expectNothingWritten();
  });

  test('when Content-Encoding is set on a request, then 415', async () => {
    const res = await post('{"user_id":"victim","payload":{}}', { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
  });

  test.each([
    ['user_id missing', '/data', 'user_id', 'is required'],
    ['limit 0', '/data?user_id=u&limit=0', 'limit', 'must be >= 1'],
    ['limit 1001', '/data?user_id=u&limit=1001', 'limit', 'must be <= 1000'],
    ['limit not a number', '/data?user_id=u&limit=ten', 'limit', 'must be integer'],
    ['limit repeated', '/data?user_id=u&limit=1&limit=2', 'limit', 'must be integer'],
    [
      'a bad created_after',
      '/data?user_id=u&created_after=yesterday',
      'created_after',
      'must match format "date-time"',
    ],
    ['an unknown parameter', '/data?user_id=u&sort=asc', 'sort', 'is not allowed'],
    [
      'user_id with a quote',
      "/data?user_id=u'--",
      'user_id',
      'must match pattern "^[A-Za-z0-9._@:-]{1,128}$"',
    ],
  ])('when the list query has %s, then 400 names the parameter', async (_name, path, pointer, detail) => {
    const res = await s.request('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ location: 'query', pointer, detail });
  });

  test('when If-Match is not a list of entity tags, then it matches nothing: 412, nothing changes', async () => {
    const created = await s.request('POST', '/data', { body: { user_id: 'ifmatch', payload: { v: 1 } } });
    for (const header of ['not-a-tag', '0', '"1",']) {
      const res = await s.request('PUT', `/data/${created.body.id}`, {
        body: { payload: { v: 2 } },
        headers: { 'if-match': header },
      });
      expect([header, res.status, res.body.code]).toEqual([header, 412, 'DAPI-4121']);
    }
    expect((await s.request('GET', `/data/${created.body.id}`)).body.version).toBe(1);
  });

  test('when a date filter is a leap second, then it is accepted; outside years 1-9999, then 400', async () => {
    const leap = await s.request('GET', '/data?user_id=u&created_after=1990-12-31T23:59:60Z');
    expect(leap.status).toBe(200);
    for (const bad of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00%2B00:01']) {
      const res = await s.request('GET', `/data?user_id=u&created_before=${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        {
          location: 'query',
          pointer: 'created_before',
          detail: 'must be a date-time between the years 1 and 9999',
        },
      ]);
    }
  });

  test('when a path has malformed percent-encoding, then 400', async () => {
    for (const path of ['/data/%E0%A4%A', '/docs/%ZZ']) {
      const res = await s.request('GET', path);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ location: 'path' });
    }
  });

  test('when a documentation file name is too long, then 400', async () => {
    expect((await s.request('GET', `/docs/${'a'.repeat(65)}`)).status).toBe(400);
  });

  test('when a path is unknown, then 404 route-not-found', async () => {
    for (const path of ['/nope', '/data/a/b', '/DATA', '/docs/../openapi.yaml/x']) {
      const res = await s.request('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('DAPI-4042');
    }
  });

  test('when a method is not declared for a path, then 405 with Allow', async () => {
    const res = await s.request('PUT', '/data');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST, DELETE');
    // /data/export is not /data/{id} with id=export: it takes GET (and HEAD) only.
    const onExport = await s.request('DELETE', '/data/export');
    expect([onExport.status, onExport.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const onRecord = await s.request('POST', '/data/some-id', { body: {} });
    expect(onRecord.status).toBe(405);
    expect(onRecord.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
    // A concrete path is matched before a template: /data/bulk is not /data/{id}.
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
      const bulk = await s.request(method, '/data/bulk');
      expect([method, bulk.status, bulk.headers.get('allow')]).toEqual([method, 405, 'POST']);
    }
  });

  test('when any error is answered, then the body carries the request id and no internals', async () => {
    const res = await s.request('GET', '/data?user_id=u&limit=0', {
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.body.request_id).toBe('trace-123');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+|SELECT|INSERT/);
    const unsafe = await s.request('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('security headers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => {
    await s.close();
  });

  test('when anything is answered, errors included, then the security headers are there and CORS is not', async () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/docs'],
      ['GET', '/nope'],
      ['POST', '/data'],
    ] as const) {
      const res = await s.request(method, path, { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('operations endpoints', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => {
    await s.close();
  });

  test('when /health is asked, then 200 healthy with a timestamp', async () => {
    const res = await s.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('healthy');
    expect(Math.abs(Date.parse(res.body.timestamp) - Date.now())).toBeLessThan(60_000);
  });

  test('when /ready is asked and the database answers, then 200 ready', async () => {
    const res = await s.request('GET', '/ready');
    expect(res.body).toEqual({ status: 'ready', checks: { database: true } });
  });

  test('when the server is draining, then /ready answers 503 not-ready', async () => {
    s.app.lifecycle.draining = true;
    try {
      const res = await s.request('GET', '/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'DAPI-5031', checks: { database: true } });
    } finally {
      s.app.lifecycle.draining = false;
    }
  });

  test('when the contract is asked for, then JSON and YAML describe the same operations', async () => {
    const json = await s.request('GET', '/openapi.json');
    expect(json.body.openapi).toBe('3.1.0');
    expect(Object.keys(json.body.paths)).toContain('/data/{id}');
    const yaml = await s.request('GET', '/openapi.yaml');
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(yaml.text).toContain('operationId: createRecord');
  });

  test('when /docs is opened, then an HTML page loads its scripts from /docs/', async () => {
    const page = await s.request('GET', '/docs');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(assets).toHaveLength(3);
    for (const path of assets) {
      const res = await s.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.text.length).toBeGreaterThan(10);
    }
    const init = await s.request('GET', '/docs/docs-init.js');
    expect(init.text).toContain("fetch('/openapi.json')");
    expect((await s.request('GET', '/docs/package.json')).status).toBe(404);
    expect((await s.request('GET', '/docs/__proto__')).status).toBe(404);
  });
});
