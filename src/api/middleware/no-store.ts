/** Answers about user data are never kept by shared caches. */
import type Koa from 'koa';

/**
 * `Cache-Control: no-store` on every answer under /data, errors included: they are one caller's
 * data, and a shared cache (a proxy, a CDN) must never hand them to another. They vary by the
 * credentials, which `Vary` says for any cache that stores them anyway. Set after the answer is
 * made, so no handler or error replaces it.
 */
export function noStore(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/data' && !ctx.path.startsWith('/data/')) return next();
    try {
      await next();
    } finally {
      ctx.set('Cache-Control', 'no-store');
      ctx.vary('Authorization');
      ctx.vary('X-API-Key');
    }
  };
}
