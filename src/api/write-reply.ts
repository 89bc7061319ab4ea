/** The one place a handler's reply becomes the HTTP response. */
import type Koa from 'koa';
import type { Reply } from '../services/reply.js';

/**
 * Writes status, headers and body; a JSON value is serialized, bytes and text go as they are.
 * What a write touched goes to the request's state, for the audit line (audit-log.ts).
 */
export function writeReply(ctx: Koa.Context, reply: Reply): void {
  if (reply.audit) {
    if (reply.audit.records) ctx.state.records = reply.audit.records;
    ctx.state.users = reply.audit.users;
  }
  ctx.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) ctx.set(name, value);
  if (reply.body === undefined) {
    ctx.body = null;
    ctx.status = reply.status;
  } else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    ctx.type = reply.type ?? 'application/octet-stream';
    ctx.body = reply.body;
  } else {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(reply.body);
  }
}
