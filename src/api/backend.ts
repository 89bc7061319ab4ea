/**
 * openapi-backend on Koa: the contract is the route table. Every lifecycle handler is
 * registered (validationFail, notFound, methodNotAllowed, notImplemented), so nothing that
 * fails the contract reaches a handler, and every handler's reply is written in one place.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type Koa from 'koa';
import { OpenAPIBackend, type Context, type Document, type Operation, type Request } from 'openapi-backend';
import { AppError, type FieldError } from '../errors.js';
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

export interface Backend {
  api: OpenAPIBackend;
  /** The Koa middleware that routes, reads the body, validates and runs the handler. */
  dispatch: Koa.Middleware;
}

/** Builds the router from the contract; throws when the handlers and the contract disagree. */
export async function createBackend(
  definition: Record<string, unknown>,
  handlers: Record<string, Handler>,
  limits: BodyLimits,
  security: Record<string, (c: Context, ctx?: Koa.Context) => boolean> = {},
): Promise<Backend> {
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
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
    customizeAjv: (a) => addFormats(a as unknown as Ajv) as never,
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
      const allow = METHODS.filter((m) => {
        const op = api.router.matchOperation({ ...c.request, method: m } as Request);
        // A template must not lend its methods to a concrete path (see dispatch).
        return op !== undefined && (!concreteMethods.has(c.request.path) || op.path === c.request.path);
      });
      throw new AppError('methodNotAllowed', {
        detail: `${c.request.method.toUpperCase()} is not allowed here; use ${allow.join(', ').toUpperCase()}.`,
        headers: { Allow: allow.join(', ').toUpperCase() },
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
  for (const op of api.router.getOperations())
    api.validator.getRequestValidatorsForOperation(op.operationId!);

  // openapi-backend validates application/json bodies only; the others (merge-patch) are
  // validated here against the same contract schemas.
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
    if (operation) {
      ctx.state.route = operation.path;
      ctx.state.operationId = operation.operationId;
    }
    if (operation?.requestBody) request.body = await readBody(ctx, operation);
    writeReply(ctx, (await api.handleRequest(request, ctx)) as Reply);
  };

  return { api, dispatch };
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
