/** HEAD wherever GET is served (RFC 9110 9.3.2): the same status and header fields, no content. */
import type Koa from 'koa';

/**
 * Runs a HEAD request as the GET it stands for, through everything below (routing, the
 * handler, compression), so its header fields are the ones GET would send, Content-Type,
 * Content-Length, Content-Encoding, ETag and Cache-Control included; then it is HEAD again, and
 * Koa and Node send the header section only. Mount it outside compression (which skips HEAD)
 * and inside the request log (which names the method as received). A path without GET answers
 * HEAD as it answers GET: 405 with Allow, or 404.
 */
export function headRequests(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'HEAD') return next();
    ctx.method = 'GET';
    // For what must not run for a HEAD at all: a streamed answer is not read (write-reply.ts).
    ctx.state.head = true;
    try {
      await next();
    } finally {
      ctx.method = 'HEAD';
    }
  };
}
