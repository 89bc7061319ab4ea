/**
 * Load shedding: bounds on the requests, and on the request body bytes, in progress in this
 * process, and on measured delays: how far behind its event loop runs, how long requests wait
 * for a database connection.
 */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

/** Why a request was shed: the label of requests_shed_total. */
export type ShedReason = 'in_flight' | 'body_bytes' | 'event_loop_lag' | 'pool_wait';

/** A measured delay and the bound past which new requests are refused. */
export interface ShedSignal {
  reason: 'event_loop_lag' | 'pool_wait';
  /** The delay now, in ms. */
  measureMs(): number;
  /** Past it (not at it), new requests are refused; 0: never. */
  thresholdMs: number;
}

export interface ShedLoadOptions {
  /** MAX_REQUESTS_IN_FLIGHT (0: no bound). */
  maxRequests: number;
  /** MAX_BODY_BYTES_IN_FLIGHT (0: no bound). */
  maxBodyBytes: number;
  /** BODY_LIMIT_BYTES: what a body of unknown length may still grow to. */
  bodyLimitBytes: number;
  /** SHED_EVENT_LOOP_LAG_MS, SHED_POOL_WAIT_MS and what they bound. */
  signals?: ShedSignal[];
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

function refusal(o: ShedLoadOptions, reason: ShedReason, ms: number, thresholdMs: number): AppError {
  const detail = {
    in_flight: `The server is at its limit of ${o.maxRequests} requests in progress`,
    body_bytes: `The server is at its limit of ${o.maxBodyBytes} request body bytes in progress`,
    event_loop_lag: `The server is ${Math.round(ms)} ms behind (limit ${thresholdMs} ms)`,
    pool_wait: `Requests wait ${Math.round(ms)} ms for the database (limit ${thresholdMs} ms)`,
  }[reason];
  return new AppError('overloaded', { detail: `${detail}; retry shortly.`, headers: { 'Retry-After': '1' } });
}

/**
 * Past `maxRequests` requests in progress in this process, past `maxBodyBytes` of their bodies
 * (held in memory while read and parsed: 1,000 requests of 1 MiB would outgrow the pod's memory
 * limit), or while a measured delay is past its bound (the event loop's lag: every request
 * waiting in this turn of the loop is already that late; the wait for a database connection:
 * every request that needs one will wait as long), a new request is answered 503 (`overloaded`,
 * Retry-After: 1) at once, before authentication and everything after it: under overload the
 * answers stay fast and the queue stops growing, instead of every request waiting longer and
 * longer. The delays fall as the work in progress finishes, and requests are taken again.
 */
export function shedLoad(o: ShedLoadOptions): Koa.Middleware {
  let inFlight = 0;
  let bytesInFlight = 0;
  const signals = (o.signals ?? []).filter((s) => s.thresholdMs > 0);
  return async (ctx, next) => {
    if (o.exempt.test(ctx.path)) return next();
    const bytes = o.maxBodyBytes > 0 ? bodyBytes(ctx.request, o.bodyLimitBytes) : 0;
    if (o.maxRequests > 0 && inFlight >= o.maxRequests) throw shed(ctx, o, 'in_flight', 0, 0);
    // A body alone larger than the bound is still taken when nothing else is in progress.
    if (bytes > 0 && bytesInFlight > 0 && bytesInFlight + bytes > o.maxBodyBytes) {
      throw shed(ctx, o, 'body_bytes', 0, 0);
    }
    for (const signal of signals) {
      const ms = signal.measureMs();
      if (ms > signal.thresholdMs) throw shed(ctx, o, signal.reason, ms, signal.thresholdMs);
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

function shed(
  ctx: Koa.Context,
  o: ShedLoadOptions,
  reason: ShedReason,
  ms: number,
  thresholdMs: number,
): AppError {
  o.onShed(reason);
  // The request's log line names why it was refused (request-log.ts).
  ctx.state.shed = reason;
  return refusal(o, reason, ms, thresholdMs);
}
