/** The response headers every answer carries, errors included. */
import type Koa from 'koa';

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  // JSON answers execute nothing; the documentation page loads only its own files (Swagger UI
  // sets inline styles and shows data: images).
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** Security headers on every answer, errors included (the helmet defaults that apply to an API). */
export function securityHeaders(): Koa.Middleware {
  return async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    ctx.remove('X-Powered-By');
    await next();
  };
}
