/** The middleware around the router: request ids and access logs, then errors to problem+json. */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { AppError, problemBody } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RouteOf } from './router/compiled-routes.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes X-Request-Id from the caller when it is safe, else makes one; logs one line per request
 * and records its duration and count by route template (never the raw URL).
 */
export function requestLog(
  logger: Logger,
  metrics?: Metrics,
  routeOf: RouteOf = () => undefined,
  traceIdOf: () => string | undefined = () => undefined,
): Koa.Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const given = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Answers given before routing (401, 429, 405) are still labelled with their path template.
      const route = (ctx.state.route as string | undefined) ?? routeOf(ctx.path)?.route ?? null;
      logger.info(
        {
          request_id: requestId,
          trace_id: traceIdOf(),
          method: ctx.method,
          route,
          status: ctx.status,
          duration_ms: seconds * 1000,
        },
        'request',
      );
      if (metrics) {
        const labels = { method: ctx.method, endpoint: route ?? 'unmatched', status: String(ctx.status) };
        metrics.requestDuration.observe(labels, seconds);
        metrics.requests.inc(labels);
      }
    }
  };
}

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

/** The single try/catch that turns every error into an RFC 9457 response. */
export function problemResponses(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const appError = toAppError(err);
      if (appError.status >= 500) {
        logger.error(
          { request_id: ctx.state.requestId, code: appError.spec.code, err: appError.cause ?? appError },
          'request failed',
        );
      }
      ctx.status = appError.status;
      if (appError.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(appError.retryAfterSeconds));
      for (const [name, value] of Object.entries(appError.headers)) ctx.set(name, value);
      ctx.type = 'application/problem+json';
      ctx.body = JSON.stringify(problemBody(appError, ctx.state.requestId as string | undefined));
    }
  };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Who: the authenticated subject and how, else the client address. */
function actorOf(ctx: Koa.Context): string {
  const principal = ctx.state.principal as { subject: string; via: string } | undefined;
  return principal ? `${principal.via}:${principal.subject}` : `ip:${ctx.ip}`;
}

/**
 * One audit line per write to /data: who (the client address until authentication exists),
 * which operation, which records, and the outcome. Never the payload.
 */
export function auditLog(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    if (!WRITES.has(ctx.method) || !ctx.path.startsWith('/data')) return next();
    try {
      await next();
    } finally {
      const state = ctx.state as {
        records?: string[];
        users?: string[];
        operationId?: string;
        requestId?: string;
      };
      const pathId = /^\/data\/([^/]+)$/.exec(ctx.path)?.[1];
      logger.info(
        {
          audit: true,
          request_id: state.requestId,
          actor: actorOf(ctx),
          operation: state.operationId ?? null,
          record_ids: state.records ?? (pathId && pathId !== 'bulk' ? [pathId] : []),
          user_ids: state.users ?? [],
          status: ctx.status,
          outcome: ctx.status < 400 ? 'success' : 'failure',
        },
        'audit',
      );
    }
  };
}

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

/** HTTP/1.1 requires Host (RFC 9112 3.2); Node is told not to check, so that this answers. */
export function requireHost(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.req.httpVersion === '1.1' && !ctx.get('host')) {
      throw new AppError('malformedRequest', { detail: 'An HTTP/1.1 request must carry a Host header.' });
    }
    await next();
  };
}

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
