import type Koa from 'koa';
import type { Context, Operation, Request } from 'openapi-backend';
import { readContract } from '../../src/api/contract.js';
import { createBackend } from '../../src/api/router/contract-router.js';
import { compileOperations, type OperationRun } from '../../src/api/router/operation-pipeline.js';
import { securityHandlers } from '../../src/api/router/security-handlers.js';
import { CONTRACT_PATH } from '../../src/config/paths.js';
import { AppError } from '../../src/domain/errors.js';

/**
 * Per request, the router runs each operation's compiled pipeline instead of openapi-backend's
 * handleRequest (docs/adr/0007-router-and-request-parse.md). For every operation of the contract
 * and for requests that pass and fail each check (security, path, query, header and body
 * validation, coercion), both must reach the same handler with the same parsed request, or
 * refuse it with the same answer.
 */
describe('the compiled operation pipeline', () => {
  let backend: Awaited<ReturnType<typeof createBackend>>;
  let runs: Map<Operation, OperationRun>;

  beforeAll(async () => {
    const document = (await readContract(CONTRACT_PATH, '/nonexistent.json')).document();
    const ops = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => (op.operationId ? [op.operationId] : []));
    // Each handler answers what it was handed: which operation, and the parsed request.
    const handlers = Object.fromEntries(
      ops.map((id) => [
        id,
        (c: Context) => ({ status: 200, body: { operationId: c.operation.operationId, request: c.request } }),
      ]),
    );
    backend = await createBackend(
      document,
      { ...handlers, unauthorizedHandler: () => ({ status: 401 }) },
      { bodyLimitBytes: 1 << 20, maxDepth: 64, maxNumberDigits: 1000 },
      securityHandlers(),
    );
    runs = compileOperations(backend.api);
  });

  const ctxOf = (signedIn: boolean) =>
    ({
      state: signedIn ? { principal: { via: 'jwt', sub: 'u-1', scopes: [] } } : {},
    }) as unknown as Koa.Context;

  /** A reply, or the problem a lifecycle handler threw, as comparable data. */
  const outcome = async (fn: () => unknown) => {
    try {
      return { reply: JSON.parse(JSON.stringify(await fn())) as unknown };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return {
        problem: {
          status: err.status,
          code: err.spec.code,
          detail: err.detail,
          errors: err.errors,
          headers: err.headers,
        },
      };
    }
  };

  const both = async (req: Request, signedIn = true) => {
    const operation = backend.api.router.matchOperation({ ...req });
    const run = operation && runs.get(operation);
    if (!run) throw new Error(`no compiled run for ${req.method} ${req.path}`);
    return {
      ours: await outcome(() => run({ ...req }, ctxOf(signedIn))),
      theirs: await outcome(() => backend.api.handleRequest({ ...req }, ctxOf(signedIn))),
    };
  };

  const id = '0190a0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
  const json = { 'content-type': 'application/json' };
  const cases: [string, Request, boolean?][] = [
    ['a record', { method: 'GET', path: `/data/${id}`, headers: { 'if-none-match': '"3"' } }],
    ['a record, odd id', { method: 'GET', path: '/data/caf%C3%A9%2Fx', headers: {} }],
    [
      'a record, bad If-None-Match',
      { method: 'GET', path: `/data/${id}`, headers: { 'if-none-match': 'x' } },
    ],
    ['a record, no caller', { method: 'GET', path: `/data/${id}`, headers: {} }, false],
    ['a page, coerced limit', { method: 'GET', path: '/data', query: 'user_id=u-1&limit=20', headers: {} }],
    ['a page, limit ten', { method: 'GET', path: '/data', query: 'user_id=u-1&limit=ten', headers: {} }],
    ['a page, limit 0', { method: 'GET', path: '/data', query: 'user_id=u-1&limit=0', headers: {} }],
    ['a page, no user', { method: 'GET', path: '/data', query: 'limit=5', headers: {} }],
    ['a page, two users', { method: 'GET', path: '/data', query: 'user_id=a&user_id=b', headers: {} }],
    ['a page, bad user', { method: 'GET', path: '/data', query: 'user_id=%20', headers: {} }],
    [
      'a page, every filter',
      {
        method: 'GET',
        path: '/data',
        query: 'user_id=u&cursor=abc&created_after=2024-01-01T00:00:00Z&payload_contains=%7B%7D',
        headers: { 'x-request-id': 'r-1' },
      },
    ],
    ['an export', { method: 'GET', path: '/data/export', query: 'user_id=u', headers: {} }],
    [
      'an erase',
      { method: 'DELETE', path: '/data', query: 'user_id=u', headers: { 'idempotency-key': 'k-1' } },
    ],
    [
      'a create',
      { method: 'POST', path: '/data', headers: json, body: { user_id: 'u-1', payload: { a: 1 } } },
    ],
    ['a create, no payload', { method: 'POST', path: '/data', headers: json, body: { user_id: 'u-1' } }],
    [
      'a create, extra member',
      { method: 'POST', path: '/data', headers: json, body: { user_id: 'u', payload: {}, x: 1 } },
    ],
    [
      'a create, payload a list',
      { method: 'POST', path: '/data', headers: json, body: { user_id: 'u', payload: [] } },
    ],
    ['a create, no body', { method: 'POST', path: '/data', headers: json }],
    [
      'a create, no caller',
      { method: 'POST', path: '/data', headers: json, body: { user_id: 'u', payload: {} } },
      false,
    ],
    [
      'a create, empty Idempotency-Key and a bad body',
      { method: 'POST', path: '/data', headers: { ...json, 'idempotency-key': '' }, body: { user_id: 'u' } },
    ],
    [
      'a bulk create',
      {
        method: 'POST',
        path: '/data/bulk',
        headers: { ...json, prefer: 'return=minimal' },
        body: { items: [{ user_id: 'u', payload: {} }] },
      },
    ],
    ['a bulk create, empty', { method: 'POST', path: '/data/bulk', headers: json, body: { items: [] } }],
    [
      'a replace',
      { method: 'PUT', path: `/data/${id}`, headers: { ...json, 'if-match': '"1"' }, body: { payload: {} } },
    ],
    [
      'a merge patch',
      {
        method: 'PATCH',
        path: `/data/${id}`,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: {},
      },
    ],
    ['a delete', { method: 'DELETE', path: `/data/${id}`, headers: { 'if-match': '*' } }],
    ['health', { method: 'GET', path: '/health', headers: {} }, false],
    ['the contract', { method: 'GET', path: '/openapi.json', headers: { 'if-none-match': 'W/"x"' } }, false],
  ];

  test.each(cases)('%s: as openapi-backend’s handleRequest', async (_name, req, signedIn = true) => {
    const { ours, theirs } = await both(req, signedIn);
    expect(ours).toEqual(theirs);
  });

  test('the cases reach handlers and refusals alike (else they would prove little)', async () => {
    const kinds = new Set<string>();
    for (const [, req, signedIn = true] of cases) {
      const { ours } = await both(req, signedIn);
      kinds.add(String(ours.problem?.status ?? (ours.reply as { status: number }).status));
    }
    expect([...kinds].sort()).toEqual(['200', '400', '401']);
  });

  test('every operation of the contract has its compiled run', () => {
    const operations = backend.api.router.getOperations();
    expect(operations.length).toBeGreaterThan(10);
    expect(operations.filter((o) => !runs.has(o)).map((o) => o.operationId)).toEqual([]);
  });

  test('a coerced query reaches the handler as the contract types it', async () => {
    const { ours } = await both({ method: 'GET', path: '/data', query: 'user_id=u&limit=7', headers: {} });
    expect((ours.reply as { body: { request: { query: unknown } } }).body.request.query).toEqual({
      user_id: 'u',
      limit: 7,
    });
  });
});
