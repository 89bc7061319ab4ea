import type { Operation, Request } from 'openapi-backend';
import { createBackend } from '../../src/api/router/contract-router.js';
import { readContract } from '../../src/api/contract.js';
import { CONTRACT_PATH } from '../../src/config/paths.js';

/**
 * The router replaces openapi-backend's per-request parse (run four times a request) and matcher
 * with ones that compile the path templates once (docs/adr/0007-router-and-request-parse.md).
 * They must give what openapi-backend's own give, for every operation of the contract and for the
 * odd requests the hostile-input tests send; the matcher differs in one rule only, on purpose.
 */
describe('request parsing compiled once', () => {
  let router: Awaited<ReturnType<typeof createBackend>>['api']['router'];
  let original: (req: Request, op?: Operation) => unknown;
  let operations: Operation[];

  beforeAll(async () => {
    const document = (await readContract(CONTRACT_PATH, '/nonexistent.json')).document();
    const ops = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => (op.operationId ? [op.operationId] : []));
    const handlers = Object.fromEntries(ops.map((id) => [id, () => ({ status: 204 })]));
    const security = { bearerAuth: () => true, apiKeyAuth: () => true };
    const backend = await createBackend(
      document,
      { ...handlers, unauthorizedHandler: () => ({ status: 401 }) },
      { bodyLimitBytes: 1 << 20, maxDepth: 64, maxNumberDigits: 1000 },
      security,
    );
    router = backend.api.router;
    const proto = Object.getPrototypeOf(router) as { parseRequest: typeof original };
    original = (req, op) => proto.parseRequest.call(router, req, op);
    operations = router.getOperations();
  });

  test('the backend installs its own parse (else the comparisons below compare a thing with itself)', () => {
    expect(Object.prototype.hasOwnProperty.call(router, 'parseRequest')).toBe(true);
  });

  const op = (method: string, path: string) => {
    const found = operations.find((o) => o.method === method && o.path === path);
    if (!found) throw new Error(`no ${method} ${path} in the contract`);
    return found;
  };

  const cases: [string, string, Request][] = [
    ['get', '/data/{id}', { method: 'GET', path: '/data/0190a0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b', headers: {} }],
    [
      'get',
      '/data/{id}',
      { method: 'GET', path: '/data/caf%C3%A9%2Fx', headers: { 'if-none-match': '"3"' } },
    ],
    ['get', '/data/{id}', { method: 'get', path: 'data/abc?x=1', headers: {} }],
    [
      'get',
      '/data',
      {
        method: 'GET',
        path: '/data',
        query: 'user_id=u-1&limit=20&cursor=abc%3D&user_id=u-2&a[b]=c',
        headers: { authorization: 'Bearer x', 'x-request-id': 'r1' },
      },
    ],
    ['get', '/data', { method: 'GET', path: '/data', query: '', headers: {} }],
    [
      'post',
      '/data',
      {
        method: 'POST',
        path: '/data',
        headers: { 'content-type': 'application/json' },
        body: { user_id: 'u-1', payload: { a: 1 } },
      },
    ],
    ['post', '/data', { method: 'POST', path: '/data', headers: {}, body: '{"user_id":"u","payload":{}}' }],
    ['post', '/data', { method: 'POST', path: '/data', headers: {}, body: '{not json' }],
    ['delete', '/data/{id}', { method: 'DELETE', path: '/data/x', headers: { 'X-Mixed-Case': ['a', 'b'] } }],
  ];

  test.each(cases)('%s %s: the same as openapi-backend’s parse', (method, path, req) => {
    const operation = op(method, path);
    expect(router.parseRequest({ ...req }, operation)).toEqual(original({ ...req }, operation));
    expect(router.parseRequest({ ...req })).toEqual(original({ ...req }));
  });

  test('each call returns a fresh object: the validator coerces its copy in place', () => {
    const req: Request = { method: 'GET', path: '/data', query: 'user_id=u&limit=5', headers: {} };
    const first = router.parseRequest(req, op('get', '/data'));
    (first.query as Record<string, unknown>).limit = 5;
    expect(router.parseRequest(req, op('get', '/data')).query).toEqual({ user_id: 'u', limit: '5' });
  });

  /** A request for the operation: every path parameter, query parameter and header it declares. */
  const sampleRequest = (o: Operation): Request => {
    const params = (o.parameters ?? []) as { in?: string; name?: string }[];
    const query = params
      .filter((p) => p.in === 'query')
      .map((p) => `${p.name}=v%2B1`)
      .join('&');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const p of params.filter((p) => p.in === 'header')) headers[p.name!] = '"1"';
    return {
      method: o.method.toUpperCase(),
      path: o.path.replace(/\{[^}]+\}/g, 'v%C3%A9%2F1'),
      query,
      headers,
      ...(o.requestBody ? { body: '{"payload":{"a":1}}' } : {}),
    };
  };

  test('every operation of the contract: the same as openapi-backend’s parse', () => {
    expect(operations.length).toBeGreaterThan(10);
    for (const o of operations) {
      const req = sampleRequest(o);
      expect([o.operationId, router.parseRequest({ ...req }, o)]).toEqual([
        o.operationId,
        original({ ...req }, o),
      ]);
      expect([o.operationId, router.parseRequest({ ...req })]).toEqual([o.operationId, original({ ...req })]);
    }
  });

  test('every path and method: the same answer as openapi-backend’s matcher, but a concrete path never falls back to a template', () => {
    type Match = (req: Request, strict?: boolean) => Operation | undefined;
    const theirs = (Object.getPrototypeOf(router) as { matchOperation: Match }).matchOperation.bind(router);
    const ours: Match = (req, strict) => router.matchOperation(req, strict as true);
    // The operation, or the 404/405 openapi-backend's handleRequest reads from the error.
    const answer = (match: Match, req: Request) => {
      try {
        return match(req, true)?.operationId;
      } catch (err) {
        return (err as Error).message.slice(0, 3);
      }
    };
    const concrete = new Set(operations.filter((o) => !o.path.includes('{')).map((o) => o.path));
    for (const path of new Set(operations.map((o) => sampleRequest(o).path))) {
      for (const method of ['get', 'put', 'post', 'patch', 'delete', 'head', 'options']) {
        const req: Request = { method, path, headers: {} };
        const fallsBack = concrete.has(path) && theirs(req) !== undefined && theirs(req)!.path !== path;
        const expected = fallsBack ? '405' : answer(theirs, req);
        expect([method, path, answer(ours, req)]).toEqual([method, path, expected]);
        expect(ours(req)?.operationId).toBe(fallsBack ? undefined : theirs(req)?.operationId);
      }
    }
  });

  test('a Cookie header goes to openapi-backend’s own parse, cookies included', () => {
    const req: Request = { method: 'GET', path: '/data/x', headers: { cookie: 'a=1; b=2' } };
    const parsed = router.parseRequest(req, op('get', '/data/{id}'));
    expect(parsed.cookies).toEqual({ a: '1', b: '2' });
    expect(parsed).toEqual(original(req, op('get', '/data/{id}')));
  });
});
