/** Request header fields that must be there once, or must be understood. */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

/**
 * HTTP/1.1 requires exactly one Host (RFC 9112 3.2): none, or two lines (which two parts of a
 * chain may read differently), answer 400. Node is told not to check, so that this answers
 * with problem+json; Node keeps the first of two Host lines, so they are counted in rawHeaders.
 */
export function requireHost(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.req.httpVersion === '1.1' && !ctx.get('host')) {
      throw new AppError('malformedRequest', { detail: 'An HTTP/1.1 request must carry a Host header.' });
    }
    const raw = ctx.req.rawHeaders;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'host') hosts++;
    if (hosts > 1) {
      throw new AppError('malformedRequest', { detail: 'The request carries more than one Host header.' });
    }
    await next();
  };
}

/**
 * Expect (RFC 9110 10.1.1): 100-continue is the only expectation there is; any other is
 * answered 417 (http-server.ts hands such requests to the app instead of Node's bare 417).
 */
export function requireKnownExpectation(): Koa.Middleware {
  return async (ctx, next) => {
    const expect = ctx.get('expect');
    if (expect !== '' && expect.trim().toLowerCase() !== '100-continue') {
      throw new AppError('expectationFailed', {
        detail: 'The only expectation this server meets is Expect: 100-continue.',
      });
    }
    await next();
  };
}
