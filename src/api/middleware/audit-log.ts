/** One audit line per write to /data, and per export. */
import type Koa from 'koa';
import type { Logger } from '../../observability/logger.js';
import type { StreamOutcome } from '../../services/reply.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Who: the authenticated subject and how, else the client address. */
function actorOf(ctx: Koa.Context): string {
  const principal = ctx.state.principal as { subject: string; via: string } | undefined;
  return principal ? `${principal.via}:${principal.subject}` : `ip:${ctx.ip}`;
}

/**
 * One audit line per write to /data: who (the client address until authentication exists),
 * which operation, which records (or, for an erase, how many), and the outcome. An export of a
 * user's records is audited too, once it is over, with the number of records it sent and
 * whether it got to the end. Never the payload.
 */
export function auditLog(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/data')) return next();
    const write = WRITES.has(ctx.method);
    try {
      await next();
    } finally {
      const state = ctx.state as {
        records?: string[];
        users?: string[];
        count?: number;
        operationId?: string;
        requestId?: string;
        streamed?: Promise<StreamOutcome>;
      };
      const pathId = /^\/data\/([^/]+)$/.exec(ctx.path)?.[1];
      const line = {
        audit: true,
        request_id: state.requestId,
        actor: actorOf(ctx),
        operation: state.operationId ?? null,
        record_ids: state.records ?? (pathId && pathId !== 'bulk' && pathId !== 'export' ? [pathId] : []),
        user_ids: state.users ?? [],
        ...(state.count !== undefined ? { records_deleted: state.count } : {}),
        status: ctx.status,
        outcome: ctx.status < 400 ? 'success' : 'failure',
      };
      if (state.streamed) {
        // Not awaited: the answer is sent after this middleware returns.
        void state.streamed.then((sent) =>
          logger.info(
            { ...line, records_sent: sent.records, outcome: sent.complete ? 'success' : 'incomplete' },
            'audit',
          ),
        );
      } else if (write) {
        logger.info(line, 'audit');
      }
    }
  };
}
