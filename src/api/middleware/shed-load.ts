/** Load shedding: a bound on the requests in progress in this process. */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

/**
 * Past `limit` requests in progress in this process, a new request is answered 503 (`overloaded`,
 * Retry-After: 1) at once, before authentication and everything after it: under overload the
 * answers stay fast and the queue stops growing, instead of every request waiting longer and
 * longer. Paths matching `exempt` (probes, metrics, the contract) are always served.
 */
export function shedLoad(limit: number, exempt: RegExp, onShed: () => void): Koa.Middleware {
  let inFlight = 0;
  return async (ctx, next) => {
    if (exempt.test(ctx.path)) return next();
    if (inFlight >= limit) {
      onShed();
      throw new AppError('overloaded', {
        detail: `The server is at its limit of ${limit} requests in progress; retry shortly.`,
        headers: { 'Retry-After': '1' },
      });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
