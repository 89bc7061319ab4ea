/**
 * Load shedding: bounds on the requests, and on the request body bytes, in progress in this
 * process, and on how far behind its event loop runs.
 */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';
import type { LagSource } from '../../observability/event-loop-lag.js';

/** Why a request was shed: the label of requests_shed_total. */
export type ShedReason = 'in_flight' | 'body_bytes' | 'event_loop_lag';

export interface ShedLoadOptions {
  /** MAX_REQUESTS_IN_FLIGHT (0: no bound). */
  maxRequests: number;
  /** MAX_BODY_BYTES_IN_FLIGHT (0: no bound). */
  maxBodyBytes: number;
  /** BODY_LIMIT_BYTES: what a body of unknown length may still grow to. */
  bodyLimitBytes: number;
  /** SHED_EVENT_LOOP_LAG_MS and the measure it bounds (thresholdMs 0: no bound). */
  lag?: { source: LagSource; thresholdMs: number };
  /** Paths always served (probes, metrics, the contract). */
  exempt: RegExp;
  onShed(reason: ShedReason): void;
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

function refusal(reason: ShedReason, o: ShedLoadOptions, lagMs: number): AppError {
  const detail = {
    in_flight: `The server is at its limit of ${o.maxRequests} requests in progress; retry shortly.`,
    body_bytes: `The server is at its limit of ${o.maxBodyBytes} request body bytes in progress; retry shortly.`,
    event_loop_lag: `The server is ${Math.round(lagMs)} ms behind (limit ${o.lag?.thresholdMs} ms); retry shortly.`,
  }[reason];
  return new AppError('overloaded', { detail, headers: { 'Retry-After': '1' } });
}

/**
 * Past `maxRequests` requests in progress in this process, past `maxBodyBytes` of their bodies
 * (held in memory while read and parsed: 1,000 requests of 1 MiB would outgrow the pod's memory
 * limit), or while the event loop runs more than `lag.thresholdMs` behind (the process has more
 * work than it can do in time: every request waiting in this turn of the loop, and in the socket
 * buffers, is already that late), a new request is answered 503 (`overloaded`, Retry-After: 1)
 * at once, before authentication and everything after it: under overload the answers stay fast
 * and the queue stops growing, instead of every request waiting longer and longer.
 */
export function shedLoad(o: ShedLoadOptions): Koa.Middleware {
  let inFlight = 0;
  let bytesInFlight = 0;
  const lag = o.lag !== undefined && o.lag.thresholdMs > 0 ? o.lag : undefined;
  return async (ctx, next) => {
    if (o.exempt.test(ctx.path)) return next();
    const bytes = o.maxBodyBytes > 0 ? bodyBytes(ctx.request, o.bodyLimitBytes) : 0;
    const lagMs = lag ? lag.source.lagMs() : 0;
    let reason: ShedReason | undefined;
    if (o.maxRequests > 0 && inFlight >= o.maxRequests) reason = 'in_flight';
    // A body alone larger than the bound is still taken when nothing else is in progress.
    else if (bytes > 0 && bytesInFlight > 0 && bytesInFlight + bytes > o.maxBodyBytes) reason = 'body_bytes';
    else if (lag && lagMs > lag.thresholdMs) reason = 'event_loop_lag';
    if (reason) {
      o.onShed(reason);
      throw refusal(reason, o, lagMs);
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
