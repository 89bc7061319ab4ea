/** HTTP/1.1 requests without Host are refused. */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

/** HTTP/1.1 requires Host (RFC 9112 3.2); Node is told not to check, so that this answers. */
export function requireHost(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.req.httpVersion === '1.1' && !ctx.get('host')) {
      throw new AppError('malformedRequest', { detail: 'An HTTP/1.1 request must carry a Host header.' });
    }
    await next();
  };
}
