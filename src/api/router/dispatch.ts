/** The Koa middleware at the end of the chain: the request through the contract to its handler. */
import type Koa from 'koa';
import type { OpenAPIBackend, Operation, Request } from 'openapi-backend';
import { AppError } from '../../domain/errors.js';
import type { Reply } from '../../services/reply.js';
import type { ChargeMore } from '../middleware/rate-limit.js';
import { writeReply } from '../write-reply.js';
import type { BodyReader } from './body-validation.js';
import type { OperationRun } from './operation-pipeline.js';
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
 * one write per item), then runs the operation's compiled pipeline (parse, security, validation,
 * handler: operation-pipeline.ts) and writes the reply. What no pipeline covers (nothing matched:
 * notFound and methodNotAllowed; a body that is not parsed JSON) goes through openapi-backend's
 * handleRequest. Sets ctx.state.route and operationId for the logs.
 */
export function createDispatch(
  api: OpenAPIBackend,
  readBody: BodyReader,
  runs: Map<Operation, OperationRun>,
): Koa.Middleware {
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
    // openapi-backend parses a body that is not an object as JSON text and reports malformed JSON.
    const parsedBody = typeof request.body === 'object' || request.body === undefined;
    const run = operation && parsedBody ? runs.get(operation) : undefined;
    writeReply(ctx, (await (run ? run(request, ctx) : api.handleRequest(request, ctx))) as Reply);
  };
}
