/** The one place a handler's reply becomes the HTTP response. */
import { Readable } from 'node:stream';
import type Koa from 'koa';
import { isStream, type Reply } from '../services/reply.js';

/**
 * Writes status, headers and body; a JSON value is serialized, bytes and text go as they are, a
 * stream is piped with back-pressure. What a write touched goes to the request's state, for the
 * audit line (audit-log.ts).
 */
export function writeReply(ctx: Koa.Context, reply: Reply): void {
  if (reply.audit) {
    if (reply.audit.records) ctx.state.records = reply.audit.records;
    ctx.state.users = reply.audit.users;
    if (reply.audit.count !== undefined) ctx.state.count = reply.audit.count;
  }
  ctx.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) ctx.set(name, value);
  if (reply.body === undefined) {
    ctx.body = null;
    ctx.status = reply.status;
  } else if (isStream(reply.body)) {
    writeStream(ctx, reply.body, reply);
  } else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    ctx.type = reply.type ?? 'application/octet-stream';
    ctx.body = reply.body;
  } else {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(reply.body);
  }
}

/**
 * A streamed answer. The stream stops being read when the response closes for any reason (the
 * client went away, or the answer ended): Koa would destroy only the stream it sends, which is
 * the compressor's when the answer is encoded. A HEAD gets an empty stream in its place, so the
 * header fields are GET's (Content-Encoding included) and nothing past the first chunk (which
 * the operation reads to answer errors as GET would) is read for it. A failure once
 * the answer has started cannot become a problem+json: the connection is cut, so the client sees
 * a truncated answer rather than a short one that looks whole.
 */
function writeStream(ctx: Koa.Context, body: Readable, reply: Reply): void {
  ctx.type = reply.type ?? 'application/octet-stream';
  ctx.state.streamed = reply.streamed;
  // Encoded when the client asks, whatever the type: koa-compress's list of compressible types
  // does not know application/x-ndjson, and a stream has no length to weigh against the threshold.
  if (ctx.compress !== false) ctx.compress = true;
  if (ctx.state.head === true) {
    body.destroy();
    ctx.body = Readable.from([]);
    return;
  }
  ctx.res.once('close', () => body.destroy());
  body.once('error', () => ctx.res.destroy());
  ctx.body = body;
}
