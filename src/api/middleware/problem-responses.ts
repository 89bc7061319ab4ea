/** The single try/catch of the chain: every error becomes an RFC 9457 problem+json answer. */
import type Koa from 'koa';
import { AppError, ERRORS, problemBody } from '../../domain/errors.js';
import type { Logger } from '../../observability/logger.js';

/** Koa's own errors (http-errors) keep their 4xx status; anything unexpected is a 500. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status === 413) {
    return new AppError('contentTooLarge', { detail: 'The request is too large.', cause: err });
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('validationFailed', { detail: 'The request is malformed.', cause: err });
  }
  return new AppError('internal', { detail: 'The server failed to answer this request.', cause: err });
}

const REPRESENTATION_HEADERS = [
  'Cache-Control',
  'ETag',
  'Last-Modified',
  'Location',
  'Content-Encoding',
  'X-Cache',
];

/** The single try/catch that turns every error into an RFC 9457 response. */
export function problemResponses(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const appError = toAppError(err);
      // A shed request is the overload's answer, counted (requests_shed_total) and in the request
      // log: an error line with a stack for each would add work exactly when there is too much.
      if (appError.status >= 500 && appError.spec !== ERRORS.overloaded) {
        logger.error(
          { request_id: ctx.state.requestId, code: appError.spec.code, err: appError.cause ?? appError },
          'request failed',
        );
      }
      // What the handler said about the answer it was making is not true of this one: a shared
      // cache must not keep an error under the handler's max-age, nor read it as encoded.
      for (const name of REPRESENTATION_HEADERS) ctx.remove(name);
      // Refused before its body arrived (401, 415, 429, ...): close rather than read and drop a
      // body nobody wants, however large or slow it is.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
      ctx.status = appError.status;
      if (appError.retryAfterSeconds !== undefined)
        ctx.set('Retry-After', String(appError.retryAfterSeconds));
      for (const [name, value] of Object.entries(appError.headers)) ctx.set(name, value);
      ctx.type = 'application/problem+json';
      ctx.body = JSON.stringify(problemBody(appError, ctx.state.requestId as string | undefined));
    }
  };
}
