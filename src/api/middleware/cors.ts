/**
 * CORS (the Fetch standard's CORS protocol), off unless CORS_ALLOWED_ORIGINS lists origins.
 *
 * - Off: this middleware is not mounted; no answer carries an Access-Control-* header and an
 *   OPTIONS request is answered as any undeclared method (405 with Allow, or 404).
 * - On: every answer varies by Origin (`Vary: Origin`). A request from an allowed origin gets
 *   `Access-Control-Allow-Origin: <its origin>` and the exposed headers, errors included; a
 *   preflight from an allowed origin to a path of the contract answers 204 here, before
 *   authentication and rate limiting. Anything from another origin goes on exactly as if CORS
 *   were off (no CORS headers, so the browser keeps the answer from the page).
 */
import type Koa from 'koa';
import type { CorsOptions } from '../../config/cors-options.js';
import type { RouteOf } from '../router/compiled-routes.js';

/** Request headers a browser may send cross-origin beyond the CORS-safelisted ones. */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'X-API-Key',
  'Content-Type',
  'If-Match',
  'If-None-Match',
  'Idempotency-Key',
  'X-Request-Id',
  'traceparent',
  'tracestate',
] as const;

/**
 * Response headers the server sends that a page may read (Content-Type, Content-Length,
 * Cache-Control and the other CORS-safelisted ones are readable anyway).
 */
export const CORS_EXPOSE_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'X-Request-Id',
  'X-Cache',
  'Idempotent-Replayed',
  'WWW-Authenticate',
  'Allow',
] as const;

/**
 * Mount after the request log and problemResponses (preflights are logged and measured, errors
 * below still carry the CORS headers) and before authentication and rate limiting (a preflight
 * carries no credentials and spends no budget).
 */
export function cors(options: CorsOptions, routeOf: RouteOf): Koa.Middleware {
  const anyOrigin = options.allowedOrigins.includes('*');
  const allowed = new Set(options.allowedOrigins);
  const exposeHeaders = CORS_EXPOSE_HEADERS.join(', ');
  const allowHeaders = CORS_ALLOW_HEADERS.join(', ');
  const maxAge = String(options.maxAgeSeconds);
  return async (ctx, next) => {
    // Whether an answer carries CORS headers depends on Origin: caches must key on it.
    ctx.vary('Origin');
    const origin = ctx.get('origin');
    if (origin === '' || !(anyOrigin || allowed.has(origin))) return next();
    ctx.set('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (options.allowCredentials) ctx.set('Access-Control-Allow-Credentials', 'true');
    const preflight = ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '';
    const known = preflight ? routeOf(ctx.path) : undefined;
    if (!known) {
      // An actual request (or a preflight to a path the contract does not have: 404 below).
      ctx.set('Access-Control-Expose-Headers', exposeHeaders);
      return next();
    }
    // The methods the contract declares here, whatever was asked: a browser that asked for
    // another one refuses the request itself, and says why.
    ctx.state.route = known.route;
    ctx.set('Access-Control-Allow-Methods', known.methods.join(', '));
    ctx.set('Access-Control-Allow-Headers', allowHeaders);
    ctx.set('Access-Control-Max-Age', maxAge);
    ctx.status = 204;
    ctx.body = null;
  };
}
