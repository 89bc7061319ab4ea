/** The Koa middleware at the end of the chain: the request through the contract to its handler. */
import type Koa from 'koa';
import type { OpenAPIBackend, Request } from 'openapi-backend';
import { AppError } from '../../domain/errors.js';
import type { Reply } from '../../services/reply.js';
import { writeReply } from '../write-reply.js';
import type { BodyReader } from './body-validation.js';
import { refuseUnknownQueryKeys } from './query-keys.js';

/**
 * Matches the operation, refuses undeclared query keys, reads the body, then hands the request
 * to openapi-backend (parse, security, validation, handler; notFound and methodNotAllowed when
 * nothing matched) and writes the reply. Sets ctx.state.route and operationId for the logs.
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
      ctx.state.route = operation.path;
      ctx.state.operationId = operation.operationId;
      if (operation.requestBody) request.body = await readBody(ctx, operation);
    }
    writeReply(ctx, (await api.handleRequest(request, ctx)) as Reply);
  };
}
