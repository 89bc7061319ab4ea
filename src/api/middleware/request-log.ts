/** One log line, a duration and a count per request, labelled by route template. */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RouteOf } from '../router/compiled-routes.js';

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
        const labels = { method: ctx.method, route: route ?? 'unmatched', status: String(ctx.status) };
        metrics.requestDuration.observe(labels, seconds);
        metrics.requests.inc(labels);
      }
    }
  };
}
