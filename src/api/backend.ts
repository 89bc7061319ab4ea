/**
 * openapi-backend on Koa: the contract is the route table. Every lifecycle handler is
 * registered (validationFail, notFound, methodNotAllowed, notImplemented), so nothing that
 * fails the contract reaches a handler, and every handler's reply is written in one place.
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type Koa from 'koa';
import {
  OpenAPIBackend,
  ValidationContext,
  type Context,
  type Document,
  type Operation,
  type Request,
} from 'openapi-backend';
import { AppError, type FieldError } from '../domain/errors.js';
import { readJsonBody, type BodyLimits } from './json-body.js';
import type { Reply } from './reply.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

type Handler = (c: Context, ctx: Koa.Context) => Reply | Promise<Reply>;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

const LOCATIONS: Record<string, FieldError['location']> = {
  requestBody: 'body',
  query: 'query',
  path: 'path',
  header: 'header',
};

// Every request body of the contract is a small envelope object ({user_id, payload}, {items},
// {payload}). Checked before validation: openapi-backend re-parses a string body as JSON (a
// JSON-encoded JSON text would pass as the object inside it), and it spreads every validation
// error into one push(), which overflows the stack on ~100,000 errors.
const MAX_ENVELOPE_MEMBERS = 64;
const MAX_BULK_ITEMS = 1000;

function envelopeError(detail: string): AppError {
  return new AppError('validationFailed', { detail, errors: [{ location: 'body', pointer: '', detail }] });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkEnvelope(body: unknown): void {
  if (!isObject(body)) throw envelopeError('must be a JSON object');
  if (Object.keys(body).length > MAX_ENVELOPE_MEMBERS) throw envelopeError('has too many members');
  const items = body.items;
  if (Array.isArray(items)) {
    if (items.length > MAX_BULK_ITEMS) {
      throw new AppError('bulkTooLarge', {
        detail: `A bulk create takes at most ${MAX_BULK_ITEMS} items; this one has ${items.length}.`,
        errors: [{ location: 'body', pointer: '/items', detail: `more than ${MAX_BULK_ITEMS} items` }],
      });
    }
    if (items.some((item) => isObject(item) && Object.keys(item).length > MAX_ENVELOPE_MEMBERS)) {
      throw envelopeError('has an item with too many members');
    }
  }
}

/** Turns ajv errors over openapi-backend's {path, query, header, requestBody} into field errors. */
export function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const segments = e.instancePath.split('/').slice(1);
    let detail = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      segments.push(String(e.params.missingProperty));
      detail = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      segments.push(String(e.params.additionalProperty));
      detail = 'is not allowed';
    } else if (e.keyword === 'parse') {
      detail = 'is not valid JSON';
    } else if (e.keyword === 'pattern' && /^\/header\/if-(none-)?match$/.test(e.instancePath)) {
      detail = 'must be * or a list of entity tags such as "3"';
    }
    const root = segments.shift() ?? '';
    const location = LOCATIONS[root] ?? 'body';
    const pointer =
      location === 'body'
        ? segments.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('')
        : segments.join('.');
    const key = `${location}|${pointer}|${detail}`;
    if (out.length >= 50) break; // enough to fix a request; keeps the answer small
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ location, pointer, detail });
    }
  }
  return out;
}

function validationError(errors: ErrorObject[]): AppError {
  const list = fieldErrors(errors);
  const first = list[0];
  const where = first ? `${first.location} ${first.pointer || ''}`.trim() : 'the request';
  return new AppError('validationFailed', {
    detail: `The request does not match the contract: ${where} ${first?.detail ?? 'is invalid'}.`,
    errors: list,
  });
}

/**
 * openapi-backend checks the document against the OpenAPI 3.0 schema, which refuses 3.1
 * documents; the contract is linted as 3.1 by Redocly in `make test` instead. Everything else
 * (dereferencing, routing, validation, strict handler checks) is openapi-backend's own.
 */
class ContractBackend extends OpenAPIBackend {
  override validateDefinition(): Document {
    return this.document;
  }
}

/** A path of the contract: its template (for logs and metrics) and the methods it declares. */
export interface ContractPath {
  route: string;
  methods: string[];
}

export interface Backend {
  api: OpenAPIBackend;
  /** The Koa middleware that routes, reads the body, validates and runs the handler. */
  dispatch: Koa.Middleware;
  /**
   * The methods the contract declares at a request path, upper case, as the router answers them
   * (a concrete path such as /data/bulk never borrows the methods of /data/{id}); undefined when
   * no path of the contract matches. The 405 answer's Allow and CORS preflights use it.
   */
  routeOf(path: string): ContractPath | undefined;
}

/** Builds the router from the contract; throws when the handlers and the contract disagree. */
export async function createBackend(
  definition: Record<string, unknown>,
  handlers: Record<string, Handler>,
  limits: BodyLimits,
  security: Record<string, (c: Context, ctx?: Koa.Context) => boolean> = {},
): Promise<Backend> {
  // openapi-backend builds a new Ajv for every validator (two per operation), and every new Ajv
  // compiles the JSON Schema meta-schema again to check the first schema it is given: that was
  // most of start-up. One Ajv per set of options (two: bodies, and parameters with coercion)
  // compiles the same validators, every schema still checked against the meta-schema.
  const shared = new Map<string, Ajv>();
  const api = new ContractBackend({
    definition: definition as unknown as Document,
    strict: true,
    validate: true,
    // quick: validators are compiled on demand, and only the request validators are compiled
    // below, at start: the response validators openapi-backend would also build are never used
    // by the server (the tests check responses with their own checker) and cost most of start-up.
    quick: true,
    coerceTypes: true,
    ajvOpts: { allErrors: true },
    customizeAjv: (fresh, options) => {
      const key = JSON.stringify(options);
      let one = shared.get(key);
      if (!one) {
        one = addFormats(fresh as unknown as Ajv);
        shared.set(key, one);
      }
      return one as never;
    },
  });
  api.register({
    ...(handlers as Record<string, (c: Context, ...args: unknown[]) => unknown>),
    validationFail: (c: Context) => {
      throw validationError(c.validation.errors ?? []);
    },
    notFound: (c: Context) => {
      throw new AppError('routeNotFound', { detail: `Nothing is served at ${c.request.path}.` });
    },
    methodNotAllowed: (c: Context) => {
      const allow = (routeOf(c.request.path)?.methods ?? []).join(', ');
      throw new AppError('methodNotAllowed', {
        detail: `${c.request.method.toUpperCase()} is not allowed here; use ${allow}.`,
        headers: { Allow: allow },
      });
    },
    notImplemented: (c: Context) => {
      throw new AppError('notImplemented', { detail: `${c.operation?.operationId} has no handler.` });
    },
  });
  for (const [name, handler] of Object.entries(security)) {
    api.registerSecurityHandler(name, handler as (c: Context, ...args: unknown[]) => boolean);
  }
  await api.init();
  compileRoutes(api);
  for (const op of api.router.getOperations())
    api.validator.getRequestValidatorsForOperation(op.operationId!);

  // openapi-backend validates application/json bodies only; the others (merge-patch) are
  // validated here against the same contract schemas, by the same Ajv as the JSON bodies.
  const ajv = api.validator.getAjv(ValidationContext.RequestBody);
  const extraBodyValidators = new Map<string, ValidateFunction>();
  for (const op of api.router.getOperations()) {
    const content = (op.requestBody as { content?: Record<string, { schema?: object }> } | undefined)
      ?.content;
    for (const [type, media] of Object.entries(content ?? {})) {
      if (type !== 'application/json' && media.schema) {
        extraBodyValidators.set(
          `${op.operationId}|${type}`,
          ajv.compile({
            type: 'object',
            properties: { requestBody: media.schema },
            required: ['requestBody'],
          }),
        );
      }
    }
  }

  async function readBody(ctx: Koa.Context, operation: Operation): Promise<unknown> {
    const content = (operation.requestBody as { content: Record<string, unknown> }).content;
    const body = await readJsonBody(ctx.req, Object.keys(content), limits);
    checkEnvelope(body);
    const type = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
    const validate = extraBodyValidators.get(`${operation.operationId}|${type}`);
    if (validate && !validate({ requestBody: body })) throw validationError(validate.errors ?? []);
    return body;
  }

  // OpenAPI matches a concrete path before a template: /data/bulk is never /data/{id} with
  // id=bulk. openapi-backend would fall back to the template, so a method a concrete path does
  // not declare is refused here.
  const concreteMethods = new Map<string, string[]>();
  for (const op of api.router.getOperations()) {
    if (!op.path.includes('{')) {
      concreteMethods.set(op.path, [...(concreteMethods.get(op.path) ?? []), op.method.toUpperCase()]);
    }
  }

  function routeOf(path: string): ContractPath | undefined {
    let route: string | undefined;
    const methods: string[] = [];
    for (const method of METHODS) {
      const op = api.router.matchOperation({ method, path, headers: {} } as Request);
      // A template must not lend its methods to a concrete path (see dispatch).
      if (op === undefined || (concreteMethods.has(path) && op.path !== path)) continue;
      route = op.path;
      methods.push(method.toUpperCase());
    }
    return route === undefined ? undefined : { route, methods };
  }

  const dispatch: Koa.Middleware = async (ctx) => {
    const request: Request = {
      method: ctx.method,
      path: ctx.path,
      query: ctx.querystring,
      headers: ctx.headers as Request['headers'],
    };
    try {
      decodeURIComponent(ctx.path);
    } catch {
      throw new AppError('validationFailed', {
        detail: 'The path holds a malformed percent-encoding.',
        errors: [{ location: 'path', pointer: '', detail: 'malformed percent-encoding' }],
      });
    }
    const concrete = concreteMethods.get(ctx.path);
    if (concrete && !concrete.includes(ctx.method)) {
      throw new AppError('methodNotAllowed', {
        detail: `${ctx.method} is not allowed here; use ${concrete.join(', ')}.`,
        headers: { Allow: concrete.join(', ') },
      });
    }
    const operation = api.router.matchOperation(request);
    if (operation) refuseUnknownQueryKeys(ctx.querystring, operation);
    if (operation) {
      ctx.state.route = operation.path;
      ctx.state.operationId = operation.operationId;
    }
    if (operation?.requestBody) request.body = await readBody(ctx, operation);
    writeReply(ctx, (await api.handleRequest(request, ctx)) as Reply);
  };

  return { api, dispatch, routeOf };
}

/**
 * openapi-backend rebuilds its list of operations (a lodash chain over the whole document) and
 * compiles a regular expression per path template on every match, and matches twice per
 * request. The document does not change after init, so the list is built once and the
 * templates compiled once; matching keeps openapi-backend's rules: an exact path first, then
 * the templates by specificity (longest literal part first), 404 when no path matches, 405 when
 * a path matches but not the method. The api root is '/' (no apiRoot option is given), so every
 * normalized path is under it.
 */
function compileRoutes(api: OpenAPIBackend): void {
  const router = api.router;
  const operations = router.getOperations();
  const exact = new Map<string, Operation[]>();
  for (const op of operations) exact.set(op.path, [...(exact.get(op.path) ?? []), op]);
  const templates = operations
    .filter((op) => op.path.includes('{'))
    .map((op) => ({ op, pattern: new RegExp(templatePattern(op.path)) }))
    // Array.prototype.sort is stable, as lodash's orderBy.
    .sort((a, b) => literalLength(b.op.path) - literalLength(a.op.path));
  router.getOperations = () => operations;
  compileRequestParsing(router, operations);
  router.matchOperation = ((req: Request, strict?: boolean) => {
    const normalized = router.normalizeRequest(req);
    const fail = (reason: string): undefined => {
      if (strict) throw Error(reason);
      return undefined;
    };
    const path = router.normalizePath(normalized.path);
    const method = normalized.method;
    const exactMatch = exact.get(path)?.find((op) => op.method === method);
    if (exactMatch) return exactMatch;
    let anyPath = false;
    for (const { op, pattern } of templates) {
      if (!pattern.test(path)) continue;
      anyPath = true;
      if (op.method === method) return op;
    }
    return anyPath
      ? fail('405-methodNotAllowed: this method is not registered for the route')
      : fail('404-notFound: no route matches request');
  }) as typeof router.matchOperation;
}

/**
 * openapi-backend parses each request three times (handleRequest before and after routing, and
 * the validator), and each parse copies the headers through lodash, parses cookies and the
 * query, and compiles the path template again (bath-es5) to read the path parameters. This
 * parse is openapi-backend's own, step for step, with the templates compiled once: the same
 * lower-cased header copy, the same query parser (router.parseRequestQuery), the same path
 * parameters (bath-es5 matches `([^/]*)` per parameter and decodes each with
 * decodeURIComponent), and a fresh object each call, since the validator coerces its copy in
 * place. Requests openapi-backend would treat specially (a Cookie header, or an operation with
 * a JSON-content or non-exploded query parameter, none in this contract today) go to the
 * original.
 */
function compileRequestParsing(router: OpenAPIBackend['router'], operations: Operation[]): void {
  const original = router.parseRequest.bind(router);
  const pathParams = new Map<Operation, (path: string) => Record<string, string>>();
  for (const op of operations) {
    const special = ((op.parameters ?? []) as { in?: string; content?: unknown; explode?: boolean }[]).some(
      (p) => p.in === 'query' && (p.content !== undefined || p.explode === false),
    );
    if (special) continue;
    const names = [...op.path.matchAll(/\{([A-Za-z0-9_-]+)\}/g)].map((m) => m[1]!);
    const pattern = new RegExp(`^${op.path.replace(/\{[A-Za-z0-9_-]+\}/g, '([^\\/]*)')}$`);
    pathParams.set(op, (path) => {
      const m = pattern.exec(path);
      const params: Record<string, string> = {};
      if (m === null) return params;
      for (let i = 0; i < names.length; i++) {
        const value = decodeURIComponent(m[i + 1]!);
        // bath-es5 refuses a template naming one parameter twice with two different values.
        if (names[i]! in params && params[names[i]!] !== value) return {};
        params[names[i]!] = value;
      }
      return params;
    });
  }
  router.parseRequest = ((req: Request, operation?: Operation) => {
    const params = operation === undefined ? undefined : pathParams.get(operation);
    if ((operation !== undefined && params === undefined) || req.headers.cookie !== undefined) {
      return original(req, operation);
    }
    let requestBody = req.body;
    if (req.body && typeof req.body !== 'object') {
      try {
        requestBody = JSON.parse(String(req.body));
      } catch {
        // as openapi-backend: the validator reports malformed JSON
      }
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
    const query = router.parseRequestQuery(req);
    const normalized = router.normalizeRequest(req);
    return {
      ...normalized,
      params: params ? params(router.normalizePath(normalized.path)) : {},
      headers,
      query,
      cookies: {},
      requestBody,
    };
  }) as typeof router.parseRequest;
}

function templatePattern(path: string): string {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^${path
    .replace(/\{[^}]+\}/g, '\0')
    .split('\0')
    .map(literal)
    .join('[^/]+')}$`;
}

function literalLength(path: string): number {
  return path.replace(/\{.*?\}/g, '').length;
}

/**
 * Query keys the operation does not declare answer 400, including those the query parser drops
 * without a word (`__proto__[x]`, `constructor[prototype][x]`).
 */
function refuseUnknownQueryKeys(querystring: string, operation: Operation): void {
  if (querystring === '') return;
  const declared = new Set(
    ((operation.parameters ?? []) as { in?: string; name?: string }[])
      .filter((p) => p.in === 'query')
      .map((p) => p.name),
  );
  for (const raw of new URLSearchParams(querystring).keys()) {
    const name = raw.replace(/\[.*$/, '');
    if (!declared.has(name)) {
      throw new AppError('validationFailed', {
        detail: `The query parameter ${name} is not part of this operation.`,
        errors: [{ location: 'query', pointer: name, detail: 'is not allowed' }],
      });
    }
  }
}

/** The one place a handler's reply becomes the HTTP response. */
export function writeReply(ctx: Koa.Context, reply: Reply): void {
  ctx.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) ctx.set(name, value);
  if (reply.body === undefined) {
    ctx.body = null;
    ctx.status = reply.status;
  } else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    ctx.type = reply.type ?? 'application/octet-stream';
    ctx.body = reply.body;
  } else {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(reply.body);
  }
}
