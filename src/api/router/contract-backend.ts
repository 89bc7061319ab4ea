/**
 * openapi-backend, set up once: the contract as the route table, strict, request validation
 * with one shared Ajv per set of options, and every lifecycle handler registered
 * (validationFail, notFound, methodNotAllowed, notImplemented), so nothing that fails the
 * contract reaches a handler.
 */
import type { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type Koa from 'koa';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import { AppError } from '../../domain/errors.js';
import type { Reply } from '../../services/reply.js';
import { routeOf } from './compiled-routes.js';
import { validationError } from './field-errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** An operation handler: the parsed, validated request in, the reply out. */
export type Handler = (c: Context, ctx: Koa.Context) => Reply | Promise<Reply>;
/** A security scheme's handler: true when the request satisfies the scheme. */
export type SecurityHandler = (c: Context, ctx?: Koa.Context) => boolean;

/**
 * openapi-backend checks the document against the OpenAPI 3.0 schema, which refuses 3.1
 * documents; the contract is linted as 3.1 by Redocly in `make test` instead. Everything else
 * (dereferencing, validation, strict handler checks) is openapi-backend's own.
 */
class ContractBackend extends OpenAPIBackend {
  override validateDefinition(): Document {
    return this.document;
  }
}

/** The answers openapi-backend gives when a request does not reach an operation handler. */
const lifecycleHandlers = {
  validationFail: (c: Context) => {
    throw validationError(c.validation.errors ?? []);
  },
  notFound: (c: Context) => {
    throw new AppError('routeNotFound', { detail: `Nothing is served at ${c.request.path}.` });
  },
  // The only place a 405 is answered: compiled-routes.ts decides it, routeOf names the methods.
  methodNotAllowed: (c: Context) => {
    const allow = (routeOf(c.api.router, c.request.path)?.methods ?? []).join(', ');
    throw new AppError('methodNotAllowed', {
      detail: `${c.request.method.toUpperCase()} is not allowed here; use ${allow}.`,
      headers: { Allow: allow },
    });
  },
  notImplemented: (c: Context) => {
    throw new AppError('notImplemented', { detail: `${c.operation?.operationId} has no handler.` });
  },
};

/**
 * Builds and initializes openapi-backend over the contract; throws when the handlers and the
 * contract disagree (strict). The request validators are compiled before it returns.
 */
export async function openContractBackend(
  definition: Record<string, unknown>,
  handlers: Record<string, Handler>,
  security: Record<string, SecurityHandler>,
): Promise<OpenAPIBackend> {
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
    ...lifecycleHandlers,
  });
  for (const [name, handler] of Object.entries(security)) {
    api.registerSecurityHandler(name, handler as (c: Context, ...args: unknown[]) => boolean);
  }
  await api.init();
  return api;
}

/** Compiles every operation's request validators now instead of on its first request. */
export function compileRequestValidators(api: OpenAPIBackend): void {
  for (const op of api.router.getOperations())
    api.validator.getRequestValidatorsForOperation(op.operationId!);
}
