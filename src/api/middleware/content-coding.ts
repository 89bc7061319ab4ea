/** Content codings the client accepts (RFC 9110 12.5.3), decided before anything runs. */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

/** What the compression middleware can send (app.ts turns deflate off). */
export const CODINGS = ['zstd', 'br', 'gzip', 'identity'] as const;

/**
 * Reads Accept-Encoding once. When no coding the server has is acceptable (`identity;q=0`,
 * `*;q=0`, each listed at q=0), the answer is 406 at once, before authentication, the body or
 * any write: no answer could be sent that the client accepts. When identity alone is refused,
 * `ctx.state.identityRefused` tells the compression middleware to encode even bodies below its
 * threshold, and bodies of any type (compressThreshold). Compression is off for the 406 itself,
 * which goes out unencoded: RFC 9110 leaves the server no better choice.
 */
export function contentCoding(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.acceptsEncodings(...CODINGS) === false) {
      ctx.compress = false;
      throw new AppError('notAcceptable', {
        detail: `Accept-Encoding refuses every content coding this server has (${CODINGS.join(', ')}).`,
      });
    }
    if (ctx.acceptsEncodings('identity') === false) {
      ctx.state.identityRefused = true;
      ctx.compress = true;
    }
    await next();
  };
}

/** koa-compress's threshold: 0 (always encode) when the client refused identity. */
export function compressThreshold(bytes: number) {
  return (_type: string, _size: number, ctx: Koa.Context): number =>
    ctx.state.identityRefused === true ? 0 : bytes;
}
