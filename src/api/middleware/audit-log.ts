/** One audit line per write to /data. */
import type Koa from 'koa';
import type { Logger } from '../../observability/logger.js';

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
