/** Connection: close on every answer while the server drains. */
import type Koa from 'koa';

/**
 * While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere
 * instead of finding the socket closed under them.
 */
export function drainConnections(lifecycle: { readonly draining: boolean }): Koa.Middleware {
  return async (ctx, next) => {
    if (lifecycle.draining) ctx.set('Connection', 'close');
    await next();
  };
}
