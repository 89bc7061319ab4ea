/** The Koa middleware at the end of the chain: the request through the contract to its handler. */
import type Koa from 'koa';
import type { OpenAPIBackend, Operation, Request } from 'openapi-backend';
import { AppError } from '../../domain/errors.js';
import type { Reply } from '../../services/reply.js';
import type { ChargeMore } from '../middleware/rate-limit.js';
import { writeReply } from '../write-reply.js';
import type { BodyReader } from './body-validation.js';
import { refuseLooseIntegers, refuseUnknownQueryKeys } from './query-keys.js';
import { unauthorizedHandler } from './security-handlers.js';

type Requirements = Record<string, unknown>[] | undefined;

/**
 * True when the operation needs a caller (its own security, else the document's) and the
 * authenticate middleware found none: the answer is 401 whatever the body holds, so the body
 * is not read. An empty requirement ({}) admits anyone.
 */
function lacksCaller(api: OpenAPIBackend, operation: Operation, ctx: Koa.Context): boolean {
  const security = (operation.security as Requirements) ?? (api.definition.security as Requirements) ?? [];
  if (security.length === 0 || security.some((r) => Object.keys(r).length === 0)) return false;
  return ctx.state.principal === undefined;
}

/**
 * Matches the operation, refuses undeclared query keys and loose integers, answers 401 to a
 * request without a caller before reading its body, reads the body (and charges a bulk create
 * one write per item), then hands the request to openapi-backend (parse, security, validation,
 * handler; notFound and methodNotAllowed when nothing matched) and writes the reply. Sets
 * ctx.state.route and operationId for the logs.
 */
export function createDispatch(api: OpenAPIBackend, readBody: BodyReader): Koa.Middleware {
  return async (ctx) => {
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
    const operation = api.router.matchOperation(request);
    if (operation) {
      refuseUnknownQueryKeys(ctx.querystring, operation);
      refuseLooseIntegers(ctx.querystring, operation);
      ctx.state.route = operation.path;
      ctx.state.operationId = operation.operationId;
      if (operation.requestBody) {
        // The connection then closes, the body unread (problem-responses.ts).
        if (lacksCaller(api, operation, ctx)) unauthorizedHandler();
        request.body = await readBody(ctx, operation);
        const items = (request.body as { items?: unknown } | undefined)?.items;
        if (Array.isArray(items)) await (ctx.state.chargeMore as ChargeMore | undefined)?.(items.length - 1);
      }
    }
    writeReply(ctx, (await api.handleRequest(request, ctx)) as Reply);
  };
}
