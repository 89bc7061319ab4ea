/** Load shedding: bounds on the requests, and on the request body bytes, in progress in this process. */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

export interface ShedLoadOptions {
  /** MAX_REQUESTS_IN_FLIGHT (0: no bound). */
  maxRequests: number;
  /** MAX_BODY_BYTES_IN_FLIGHT (0: no bound). */
  maxBodyBytes: number;
  /** BODY_LIMIT_BYTES: what a body of unknown length may still grow to. */
  bodyLimitBytes: number;
  /** Paths always served (probes, metrics, the contract). */
  exempt: RegExp;
  onShed(): void;
}

/**
 * The bytes a request's body may take: its Content-Length (at most the body limit, larger is
 * refused with 413 anyway), the whole limit when chunked, none without a body.
 */
function bodyBytes(req: Koa.Request, bodyLimitBytes: number): number {
  const length = req.get('content-length');
  if (length !== '') return Math.min(Number(length) || 0, bodyLimitBytes);
  return req.get('transfer-encoding') !== '' ? bodyLimitBytes : 0;
}

/**
 * Past `maxRequests` requests in progress in this process, or past `maxBodyBytes` of their bodies
 * (held in memory while read and parsed: 1,000 requests of 1 MiB would outgrow the pod's memory
 * limit), a new request is answered 503 (`overloaded`, Retry-After: 1) at once, before
 * authentication and everything after it: under overload the answers stay fast and the queue
 * stops growing, instead of every request waiting longer and longer.
 */
export function shedLoad(o: ShedLoadOptions): Koa.Middleware {
  let inFlight = 0;
  let bytesInFlight = 0;
  return async (ctx, next) => {
    if (o.exempt.test(ctx.path)) return next();
    const bytes = o.maxBodyBytes > 0 ? bodyBytes(ctx.request, o.bodyLimitBytes) : 0;
    const overRequests = o.maxRequests > 0 && inFlight >= o.maxRequests;
    // A body alone larger than the bound is still taken when nothing else is in progress.
    const overBytes = bytes > 0 && bytesInFlight > 0 && bytesInFlight + bytes > o.maxBodyBytes;
    if (overRequests || overBytes) {
      o.onShed();
      throw new AppError('overloaded', {
        detail: overRequests
          ? `The server is at its limit of ${o.maxRequests} requests in progress; retry shortly.`
          : `The server is at its limit of ${o.maxBodyBytes} request body bytes in progress; retry shortly.`,
        headers: { 'Retry-After': '1' },
      });
    }
    inFlight++;
    bytesInFlight += bytes;
    try {
      await next();
    } finally {
      inFlight--;
      bytesInFlight -= bytes;
    }
  };
}
