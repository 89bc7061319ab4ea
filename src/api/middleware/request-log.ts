/** One log line, a duration and a count per request, labelled by route template. */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RouteOf } from '../router/compiled-routes.js';
import type { StreamOutcome } from '../../services/reply.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes X-Request-Id from the caller when it is safe, else makes one; logs one line per request
 * and records its duration and count by route template (never the raw URL). The duration is the
 * time to the answer's start: for a streamed answer (an export) the line is written once the
 * stream is over, with how many records it sent, how long it took and whether it got to the
 * end, while the metrics keep the time to its start (so a long export does not read as a slow
 * request to the latency objective).
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
      const line = {
        request_id: requestId,
        trace_id: traceIdOf(),
        method: ctx.method,
        route,
        status: ctx.status,
        duration_ms: seconds * 1000,
        // A request refused under load says which bound refused it (shed-load.ts).
        ...(ctx.state.shed ? { shed: ctx.state.shed as string } : {}),
      };
      const streamed = ctx.state.streamed as Promise<StreamOutcome> | undefined;
      if (streamed) {
        void streamed.then((sent) => {
          const streamMs = Number(process.hrtime.bigint() - started) / 1e6;
          const fields = {
            ...line,
            stream_ms: streamMs,
            records_sent: sent.records,
            complete: sent.complete,
          };
          if (sent.error === undefined) logger.info(fields, 'request');
          else {
            const cause = (sent.error as { cause?: unknown }).cause ?? sent.error;
            logger.error({ ...fields, err: cause }, 'request failed while streaming');
          }
        });
      } else {
        logger.info(line, 'request');
      }
      if (metrics) {
        const labels = { method: ctx.method, route: route ?? 'unmatched', status: String(ctx.status) };
        metrics.requestDuration.observe(labels, seconds);
        metrics.requests.inc(labels);
      }
    }
  };
}
