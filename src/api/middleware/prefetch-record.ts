/**
 * Starts the cache's read of the record a `GET /data/{id}` names before the rate limit is asked,
 * so that the read and the check go to Redis in the same pipeline (redis/turn-pipeline.ts): one
 * round trip for both where there were two, one after the other. The read is used by this
 * request's handler only, and only if the request gets that far (a refused request drops it);
 * it is released when the request ends.
 * Mount it after authentication (an anonymous request is refused before any read) and just
 * before the rate limit, with nothing that waits in between.
 */
import type Koa from 'koa';
import { namesRecord, recordIdOf } from '../../domain/record-id.js';
import type { RecordPrefetch } from '../../domain/record-cache.js';

const RECORD_PATH = /^\/data\/([^/]+)$/;

export function prefetchRecord(
  prefetch: (id: ReturnType<typeof recordIdOf>) => RecordPrefetch | undefined,
): Koa.Middleware {
  return (ctx, next) => {
    const m =
      (ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.state.principal
        ? RECORD_PATH.exec(ctx.path)
        : null;
    if (m) {
      // A UUID has nothing to percent-decode; any other text names no record and is not read.
      const id = recordIdOf(m[1] as string);
      const prefetched = namesRecord(id) ? prefetch(id) : undefined;
      if (prefetched) {
        ctx.state.prefetched = prefetched;
        // However the request ends (answered, refused, failed), its read is no longer in flight.
        return next().finally(() => prefetched.release());
      }
    }
    return next();
  };
}
